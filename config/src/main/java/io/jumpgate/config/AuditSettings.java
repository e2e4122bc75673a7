package io.jumpgate.config;

import java.nio.file.Path;

/**
 * @param file  the hash-chained JSON-lines audit log
 * @param fsync force every event to disk before the audited action proceeds (slower; default: force on close)
 */
public record AuditSettings(Path file, boolean fsync) {}
