package io.jumpgate.config;

import java.nio.file.Path;

/**
 * @param dir         directory for asciicast files (0700; files 0600)
 * @param recordInput also record what the user types ("i" events); off by default since it captures passwords
 */
public record RecordingSettings(Path dir, boolean recordInput) {}
