package io.jumpgate.gateway.cli;

import io.jumpgate.core.audit.AuditEvent;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.JsonLinesAuditLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exit codes and messages of {@code jumpgate check-config} and {@code jumpgate audit verify}. */
class CliTest {
    record Run(int exit, String out, String err) {}

    static Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Cli.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void checkConfigAcceptsTheDemoConfig() {
        Path demo = Path.of("..", "deploy", "demo", "jumpgate.yaml");
        Run r = cli("check-config", demo.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("ok: "), r.out());
        assertTrue(r.out().contains("1 users, 2 roles, 2 static targets"), r.out());
    }

    @Test
    void checkConfigNamesThePathAndLineOfAnError(@TempDir Path dir) throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.yaml"), """
                roles:
                  - name: ops
                    targets: [web_*]
                    ports: [ssh, 70000]
                """);
        Run r = cli("check-config", bad.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("roles[0].ports[1] (line 4)"), r.err());
    }

    @Test
    void checkConfigReportsAMissingFile(@TempDir Path dir) {
        Run r = cli("check-config", dir.resolve("nope.yaml").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("config file not found"), r.err());
    }

    @Test
    void auditVerifyCountsLinesAndNamesTheFirstBadOne(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("audit.jsonl");
        try (JsonLinesAuditLog a = new JsonLinesAuditLog(log, false)) {
            for (int i = 0; i < 3; i++) {
                a.emit(AuditEvent.builder(AuditType.SESSION_OPENED, Instant.parse("2026-01-01T00:00:00Z")).session("s" + i).build());
            }
        }
        Run ok = cli("audit", "verify", log.toString());
        assertEquals(0, ok.exit(), ok.err());
        assertTrue(ok.out().trim().matches("ok: 3 lines, head 3:[0-9a-f]{64}"), ok.out());

        List<String> lines = Files.readAllLines(log);
        Files.write(log, List.of(lines.get(0), lines.get(1).replace("\"s1\"", "\"s9\""), lines.get(2)));
        Run bad = cli("audit", "verify", log.toString());
        assertEquals(1, bad.exit());
        assertTrue(bad.err().contains("line 2"), bad.err());

        Run missing = cli("audit", "verify", dir.resolve("none.jsonl").toString());
        assertEquals(2, missing.exit());

        // The first line deleted: found without any anchor; a file split off another verifies --after its head.
        Files.write(log, lines.subList(1, 3));
        Run cut = cli("audit", "verify", log.toString());
        assertEquals(1, cut.exit());
        assertTrue(cut.err().contains("line 1 has seq 2: 1 line before it is missing"), cut.err());
        String head1 = "1:" + new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines.get(0)).path("hash").asText();
        Run split = cli("audit", "verify", log.toString(), "--after", head1);
        assertEquals(0, split.exit(), split.err());
        assertEquals(2, cli("audit", "verify", log.toString(), "--after", "1:nothex").exit());
    }

    @Test
    void noCommandIsAUsageError() {
        assertEquals(2, cli().exit());
        assertEquals(2, cli("frobnicate").exit());
    }
}
