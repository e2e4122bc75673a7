package io.jumpgate.core.audit;

import io.jumpgate.testkit.TinyDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuditFullDiskTest {
    @TempDir
    Path dir;

    @Test
    void fullDiskFailsLoudlyAndKeepsEveryWrittenLine() throws Exception {
        try (TinyDisk disk = TinyDisk.mount(dir, 16)) {
            Path f = disk.path().resolve("audit.jsonl");
            try (JsonLinesAuditLog log = new JsonLinesAuditLog(f, true)) {
                for (int i = 0; i < 3; i++) {
                    log.emit(AuditEvent.builder(AuditType.AUTH_SUCCEEDED, Instant.now()).user("u" + i).build());
                }
                disk.fill();
                AuditWriteException e = assertThrows(AuditWriteException.class, () -> {
                    for (int i = 0; i < 1000; i++) {
                        log.emit(AuditEvent.builder(AuditType.AUTH_SUCCEEDED, Instant.now()).user("x".repeat(400)).build());
                    }
                });
                assertTrue(e.getMessage().contains("cannot write audit log"), e.getMessage());
            }
            List<String> lines = Files.readAllLines(f);
            assertTrue(lines.size() >= 3, "written lines are kept");
            AuditVerifier.Result r = AuditVerifier.verify(f);
            assertTrue(r.ok(), "no torn line is left behind: " + r.problem());
            assertEquals(lines.size(), r.lines());
        }
    }
}
