package io.jumpgate.gateway.cli;

import io.jumpgate.core.audit.AuditEvent;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.JsonLinesAuditLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jumpgate.gateway.ssh.KeyFiles;
import org.apache.sshd.common.config.keys.KeyUtils;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    /** A key line that passes the loader's shape check (base64, long enough) but is no ed25519 key. */
    private static final String TRUNCATED_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIbad";

    @Test
    void checkConfigAndRunReadEveryFileTheGatewayReadsAtStartAndNameItsKey(@TempDir Path dir) throws Exception {
        KeyPair good = KeyUtils.generateKeyPair("ssh-ed25519", 256);
        String goodLine = KeyFiles.publicLine(good);
        Path hostKey = dir.resolve("host_key");
        KeyFiles.generate(hostKey, "test");
        Files.setPosixFilePermissions(hostKey, PosixFilePermissions.fromString("rw-r--r--")); // as a careless copy leaves it
        Path identity = Files.writeString(dir.resolve("identity"), "not a key\n");
        Files.setPosixFilePermissions(identity, PosixFilePermissions.fromString("rw-------"));
        Path revoked = Files.writeString(dir.resolve("revoked_keys"), "serial: 7\nid alice-laptop\n");
        Path knownHosts = Files.writeString(dir.resolve("known_hosts"), "[127.0.0.5]:22 " + TRUNCATED_KEY + "\n");
        Path config = Files.writeString(dir.resolve("jumpgate.yaml"), """
                dataDir: %s
                ssh:
                  listen: 127.0.0.1:0
                  hostKey: %s
                  revokedKeys: %s
                  trustedUserCaKeys: ["%s", "%s"]
                users:
                  - name: alice
                    authorizedKeys: ["%s", "%s"]
                sessions:
                  identityKey: %s
                  knownHosts: %s
                  hostCaKeys: ["%s"]
                """.formatted(dir.resolve("data"), hostKey, revoked, goodLine, TRUNCATED_KEY, TRUNCATED_KEY, goodLine,
                identity, knownHosts, TRUNCATED_KEY));

        Run check = cli("check-config", config.toString());
        assertEquals(2, check.exit(), check.toString());
        String err = check.err();
        for (String key : List.of("users[alice].authorizedKeys[0]: ", "ssh.trustedUserCaKeys[1]: ", "ssh.hostKey: ",
                "ssh.revokedKeys: ", "sessions.identityKey: ", "sessions.knownHosts: ", "sessions.hostCaKeys[0]: ")) {
            assertTrue(err.contains(config + ": " + key), key + " in " + err);
        }
        assertFalse(err.contains("authorizedKeys[1]") || err.contains("trustedUserCaKeys[0]"), "good lines pass: " + err);
        assertTrue(err.contains("readable by others"), err);
        assertTrue(err.contains("line 2"), "the revocation list's bad line: " + err);
        assertEquals(7, err.lines().count(), err);

        // run refuses the same as a config error (2: systemd does not restart it) before it opens anything.
        Run run = cli("run", "--config", config.toString());
        assertEquals(2, run.exit(), run.toString());
        assertEquals(err, run.err());
        assertFalse(Files.exists(dir.resolve("data")), "nothing created");

        // Fixed, check-config passes; a missing host or identity key is generated at start, not an error.
        Files.delete(hostKey);
        Files.delete(identity);
        Files.writeString(revoked, "serial: 7\nid: alice-laptop\n");
        Files.writeString(knownHosts, "[127.0.0.5]:22 " + goodLine + "\n");
        Files.writeString(config, Files.readString(config).replace(TRUNCATED_KEY, goodLine));
        Run fixed = cli("check-config", config.toString());
        assertEquals(0, fixed.exit(), fixed.toString());
        assertFalse(Files.exists(hostKey), "check-config changes nothing");

        Files.delete(revoked);
        Run gone = cli("check-config", config.toString());
        assertEquals(2, gone.exit(), gone.toString());
        assertTrue(gone.err().contains("config error at ssh.revokedKeys (line 5): cannot read " + revoked), gone.err());
    }

    @Test
    void runNamesTheAddressItCannotListenOnAndLetsGoOfWhatItOpened(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            Path config = Files.writeString(dir.resolve("jumpgate.yaml"), """
                    dataDir: %s
                    ssh:
                      listen: 127.0.0.1:%d
                    """.formatted(dir.resolve("data"), taken.getLocalPort()));
            Run run = cli("run", "--config", config.toString());
            assertEquals(1, run.exit(), run.toString());
            assertTrue(run.err().contains("cannot start: ssh.listen 127.0.0.1:" + taken.getLocalPort() + ": "), run.err());
        }
        // The audit log's lock went with the failed start: another writer may open it at once (a held lock throws,
        // "being written by another process"), and it goes on from the failed start's lines.
        try (JsonLinesAuditLog again = new JsonLinesAuditLog(dir.resolve("data/audit/audit.jsonl"), false)) {
            again.emit(AuditEvent.builder(AuditType.GATEWAY_STARTED, Instant.now()).build());
        }
        Run verify = cli("audit", "verify", dir.resolve("data/audit/audit.jsonl").toString());
        assertEquals(0, verify.exit(), verify.toString());
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
