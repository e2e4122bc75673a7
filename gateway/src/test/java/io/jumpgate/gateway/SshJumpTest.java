package io.jumpgate.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.jumpgate.gateway.testing.GatewayFixture;
import io.jumpgate.gateway.testing.OpenSshClient;
import io.jumpgate.gateway.testing.ProcessResult;
import io.jumpgate.gateway.testing.SshdTarget;
import io.jumpgate.testkit.FreePorts;
import io.jumpgate.testkit.Peers;
import io.jumpgate.testkit.Poll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SSH jump path end to end with the real OpenSSH client and a real sshd target: one gateway and one
 * target for the class. Every refusal is checked on the client and in the audit log.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SshJumpTest {
    Path dir;

    SshdTarget target;
    GatewayFixture gw;
    OpenSshClient client;
    Path aliceKey;
    Path strangerKey;
    Path certKey;
    Path ca;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        dir = tmp;
        SshdTarget.requirePeers();
        client = new OpenSshClient(dir.resolve("client"));
        aliceKey = client.newKey("alice");
        strangerKey = client.newKey("stranger");
        certKey = client.newKey("alice-cert");
        ca = client.newKey("user-ca");
        Path targetKey = client.newKey("jgtest");
        target = SshdTarget.start(dir.resolve("target"), List.of(OpenSshClient.publicLine(targetKey)));
        String other = FreePorts.nextLoopbackHost();
        gw = GatewayFixture.start(dir.resolve("gw"), """
                ssh:
                  listen: 127.0.0.1:0
                  trustedUserCaKeys: ["%s"]
                limits:
                  allowLoopbackTargets: true
                inventory:
                  static:
                    - {name: web_0, address: %s}
                    - {name: db_0, address: %s}
                roles:
                  - {name: ops, targets: [web_*], ports: [%d]}
                  - {name: dba, targets: [db_*], ports: [ssh]}
                users:
                  - {name: alice, roles: [ops], authorizedKeys: ["%s"]}
                  - {name: bob, roles: [dba]}
                """.formatted(OpenSshClient.publicLine(ca), target.host(), other, target.port(),
                OpenSshClient.publicLine(aliceKey)));
        client.knownHost("127.0.0.1", gw.port(), gw.hostKeyLine())
                .knownHost("web_0", target.port(), target.hostKeyLine())
                .host("gw", "HostName 127.0.0.1", "Port " + gw.port(), "User alice", "IdentityFile " + aliceKey)
                .host("gw-stranger", "HostName 127.0.0.1", "Port " + gw.port(), "User alice", "IdentityFile " + strangerKey)
                .host("gw-cert", "HostName 127.0.0.1", "Port " + gw.port(), "User alice", "IdentityFile " + certKey)
                .host("web_0", "User " + target.loginUser(), "Port " + target.port(), "IdentityFile " + targetKey);
    }

    @AfterAll
    void stop() throws Exception {
        if (gw != null) gw.close();
        if (target != null) target.close();
    }

    @Test
    void jumpRunsACommandOnTheTarget() throws Exception {
        ProcessResult r = client.run("ssh", "-J", "gw", "web_0", "echo", "hello-from-$(whoami)");
        assertEquals(0, r.exit(), r.toString());
        assertEquals("hello-from-jgtest\n", r.out());
        JsonNode allowed = gw.awaitAudit("forward.allowed", e -> e.path("target").path("name").asText().equals("web_0"));
        assertEquals(target.host(), allowed.path("target").path("address").asText());
        assertEquals("alice", allowed.path("user").asText());
        assertTrue(allowed.path("source").asText().startsWith("127.0.0.1:"));
        JsonNode closed = gw.awaitAudit("channel.closed", e -> e.path("fields").path("bytesToTarget").asLong() > 0);
        assertTrue(closed.path("fields").path("bytesToClient").asLong() > 0, closed.toString());
        assertTrue(closed.path("fields").has("durationMs"));
    }

    /**
     * Users whose clients stop reading (a paused pager, a laptop asleep) while the target floods them: more of them
     * than MINA has I/O threads (cores + 1). New jump connections must still be served promptly.
     */
    @Test
    void usersWhoStopReadingHoldUpOnlyTheirOwnJumpConnections() throws Exception {
        int stalled = Runtime.getRuntime().availableProcessors() + 2;
        long before = gw.audit().stream().filter(e -> e.path("event").asText().equals("forward.allowed")).count();
        List<Process> users = new ArrayList<>();
        try {
            for (int i = 0; i < stalled; i++) {
                // ssh's stdout is a pipe this test never drains: ssh stops taking channel data once it is full.
                users.add(new ProcessBuilder("ssh", "-F", client.config().toString(), "-J", "gw", "web_0", "yes")
                        .redirectError(ProcessBuilder.Redirect.DISCARD)
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start());
            }
            io.jumpgate.testkit.Poll.until(java.time.Duration.ofSeconds(60), stalled + " flooded jump connections", () ->
                    gw.audit().stream().filter(e -> e.path("event").asText().equals("forward.allowed")).count() >= before + stalled);
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                ProcessResult r = client.run("ssh", "-J", "gw", "web_0", "echo", "still-served-" + i);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertEquals(0, r.exit(), "a new jump while " + stalled + " users are not reading: " + r);
                assertEquals("still-served-" + i, r.out().trim());
                assertTrue(ms < 10_000, "took " + ms + " ms");
            }
            for (Process u : users) assertTrue(u.isAlive(), "a user who is slow to read keeps the connection");
        } finally {
            for (Process u : users) u.destroyForcibly();
        }
    }

    @Test
    void scpAndSftpCopyBothWaysByteIdentical() throws Exception {
        byte[] data = new byte[300_000];
        new Random(7).nextBytes(data);
        Path local = Files.write(dir.resolve("payload.bin"), data);
        String remote = "/tmp/jumpgate-test-" + UUID.randomUUID();
        try {
            client.run("scp", "-J", "gw", local.toString(), "web_0:" + remote + ".scp").requireSuccess("scp up");
            Path back = dir.resolve("back.scp");
            client.run("scp", "-J", "gw", "web_0:" + remote + ".scp", back.toString()).requireSuccess("scp down");
            assertArrayEquals(data, Files.readAllBytes(back));

            Path batch = Files.writeString(dir.resolve("sftp.batch"), "put " + local + " " + remote + ".sftp\n"
                    + "get " + remote + ".sftp " + dir.resolve("back.sftp") + "\n");
            client.run("sftp", "-J", "gw", "-b", batch.toString(), "web_0").requireSuccess("sftp");
            assertArrayEquals(data, Files.readAllBytes(dir.resolve("back.sftp")));
        } finally {
            client.run("ssh", "-J", "gw", "web_0", "rm", "-f", remote + ".scp", remote + ".sftp");
        }
    }

    @Test
    void localForwardThroughTheGateway() throws Exception {
        int localPort = FreePorts.probe("127.0.0.1");
        Process p = client.start("ssh", "-N", "-o", "ExitOnForwardFailure=yes",
                "-L", "127.0.0.1:" + localPort + ":web_0:" + target.port(), "gw");
        try {
            String banner = Poll.value(Duration.ofSeconds(20), "banner through ssh -L", () -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", localPort), 1000);
                    s.setSoTimeout(5000);
                    InputStream in = s.getInputStream();
                    String b = new String(in.readNBytes(7), StandardCharsets.US_ASCII);
                    return b.equals("SSH-2.0") ? b : null;
                } catch (Exception e) {
                    return null;
                }
            });
            assertEquals("SSH-2.0", banner);
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest(name = "{0}:{1} is refused as {2}")
    @CsvSource({
            "nosuch_0, TARGET_PORT, unknown_target",
            "db_0, 22, not_in_role",
            "web_0, 2222, port_not_allowed",
            "127.0.0.1, 22, gateway_address",
            "127.0.0.1, GATEWAY_PORT, gateway_address",
            "[::1], 22, loopback",
            "169.254.169.254, 80, link_local",
    })
    void refusedDestinationsAreProhibitedAndAudited(String host, String portText, String code) throws Exception {
        int port = switch (portText) {
            case "TARGET_PORT" -> target.port();
            case "GATEWAY_PORT" -> gw.port();
            default -> Integer.parseInt(portText);
        };
        ProcessResult r = client.run("ssh", "-o", "LogLevel=INFO", "-W", host + ":" + port, "gw");
        assertEquals(255, r.exit(), r.toString());
        assertTrue(r.err().contains("administratively prohibited"), r.err());
        String requested = host.replace("[", "").replace("]", "");
        JsonNode e = gw.awaitAudit("forward.denied", x -> x.path("fields").path("requested").asText().equals(requested)
                && x.path("target").path("port").asInt() == port);
        assertEquals(code, e.path("code").asText(), e.toString());
        assertEquals("denied", e.path("outcome").asText());
        assertEquals("alice", e.path("user").asText());
        assertFalse(e.path("fields").path("detail").asText().isEmpty());
    }

    @Test
    void wrongKeyIsRefusedAndAudited() throws Exception {
        ProcessResult r = client.run("ssh", "gw-stranger", "info");
        assertEquals(255, r.exit(), r.toString());
        assertTrue(r.err().contains("Permission denied"), r.err());
        String fp = fingerprint(strangerKey);
        JsonNode e = gw.awaitAudit("auth.failed", x -> x.path("fields").path("fingerprint").asText().equals(fp));
        assertEquals("unknown_key", e.path("code").asText());
        assertEquals("alice", e.path("user").asText());
    }

    @Test
    void validCertificateLogsIn() throws Exception {
        client.signUserKey(ca, certKey, "alice-laptop", "alice", "-5m:+1h");
        ProcessResult r = client.run("ssh", "gw-cert", "info");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("certificate 'alice-laptop', serial 42"), r.out());
        JsonNode e = gw.awaitAudit("auth.succeeded", x -> x.path("fields").path("certId").asText().equals("alice-laptop"));
        assertEquals("certificate", e.path("fields").path("method").asText());
        assertEquals(42, e.path("fields").path("certSerial").asLong());
    }

    @ParameterizedTest(name = "certificate {0} is refused as {3}")
    @CsvSource({
            "expired, alice, 20200101:20200102, cert_expired, ''",
            "other-principal, carol, -5m:+1h, cert_principal, ''",
            "forced-command, alice, -5m:+1h, cert_critical_option, force-command=/bin/true",
    })
    void badCertificatesAreRefusedAndAudited(String id, String principal, String validity, String code, String option)
            throws Exception {
        Path key = client.newKey("cert-" + id);
        client.signUserKey(ca, key, id, principal, validity, option.isEmpty() ? new String[0] : new String[] {option});
        ProcessResult r = client.run("ssh", "-o", "IdentityFile=" + key, "-o", "User=alice",
                "-o", "Port=" + gw.port(), "127.0.0.1", "info");
        assertEquals(255, r.exit(), r.toString());
        JsonNode e = gw.awaitAudit("auth.failed", x -> x.path("fields").path("certId").asText().equals(id));
        assertEquals(code, e.path("code").asText(), e.toString());
    }

    @Test
    void remoteForwardingIsRefusedAndAudited() throws Exception {
        ProcessResult r = client.run("ssh", "-N", "-o", "ExitOnForwardFailure=yes", "-R", "127.0.0.1:0:web_0:22", "gw");
        assertEquals(255, r.exit(), r.toString());
        JsonNode e = gw.awaitAudit("forward.denied", x -> x.path("fields").path("request").asText().equals("tcpip-forward"));
        assertEquals("forwarding_disabled", e.path("code").asText());
    }

    @Test
    void agentForwardingIsRefusedAndAudited() throws Exception {
        Peers.requireExecutable("ssh-agent", "ssh-agent");
        Path sock = dir.resolve("agent.sock");
        Process agent = new ProcessBuilder("ssh-agent", "-D", "-a", sock.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("agent.log").toFile()).start();
        try {
            Poll.until(Duration.ofSeconds(10), "ssh-agent socket", () -> Files.exists(sock));
            ProcessResult r = client.run(Map.of("SSH_AUTH_SOCK", sock.toString()), "ssh", "-A",
                    "-o", "IdentityAgent=" + sock, "gw", "info");
            assertEquals(0, r.exit(), r.toString());
            JsonNode e = gw.awaitAudit("forward.denied",
                    x -> x.path("fields").path("request").asText().equals("auth-agent-req@openssh.com"));
            assertEquals("forwarding_disabled", e.path("code").asText());
        } finally {
            agent.destroy();
            agent.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void noCommandPrintsWhoYouAreAndYourTargets() throws Exception {
        ProcessResult r = client.run("ssh", "-T", "gw");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("user:   alice"), r.out());
        assertTrue(r.out().contains(fingerprint(aliceKey)), r.out());
        assertTrue(r.out().contains("source: 127.0.0.1:"), r.out());
        assertTrue(r.out().contains("web_0  ports " + target.port()), r.out());
        assertFalse(r.out().contains("db_0"), r.out());

        ProcessResult info = client.run("ssh", "gw", "info");
        assertEquals(0, info.exit(), info.toString());
        assertEquals(r.out().replaceAll("source: \\S+", ""), info.out().replaceAll("source: \\S+", ""));
    }

    @Test
    void unknownCommandExits2AndRecordedSessionsAreDecidedByPolicy() throws Exception {
        ProcessResult unknown = client.run("ssh", "gw", "rm", "-rf", "/");
        assertEquals(2, unknown.exit(), unknown.toString());
        assertTrue(unknown.err().contains("unknown command 'rm'"), unknown.err());
        JsonNode refused = gw.awaitAudit("command.refused", e -> e.path("fields").path("command").asText().equals("rm"));
        assertEquals("denied", refused.path("outcome").asText());
        assertEquals("unknown_command", refused.path("code").asText());
        assertEquals("alice", refused.path("user").asText());
        assertTrue(refused.path("target").isMissingNode() || refused.path("target").isNull(), refused.toString());

        ProcessResult hidden = client.run("ssh", "gw", "db_0");
        assertEquals(2, hidden.exit(), "a target outside the user's roles is not even named: " + hidden);
        assertTrue(hidden.err().contains("unknown command 'db_0'"), hidden.toString());
        // ... to the user; audit has the real reason, and which target was probed.
        JsonNode probed = gw.awaitAudit("command.refused", e -> e.path("fields").path("command").asText().equals("db_0"));
        assertEquals("not_in_role", probed.path("code").asText());
        assertEquals("db_0", probed.path("target").path("name").asText(), probed.toString());

        // Quoting that does not close, and a very long word: refused and audited, what was typed capped.
        ProcessResult unbalanced = client.run("ssh", "gw", "jit", "'request");
        assertEquals(2, unbalanced.exit(), unbalanced.toString());
        gw.awaitAudit("command.refused", e -> e.path("code").asText().equals("bad_command_line")
                && e.path("fields").path("command").asText().equals("jit"));
        String longWord = "x".repeat(5000);
        ProcessResult tooLong = client.run("ssh", "gw", longWord);
        assertEquals(2, tooLong.exit(), tooLong.toString());
        JsonNode capped = gw.awaitAudit("command.refused", e -> e.path("fields").path("command").asText().startsWith("xxx"));
        assertEquals(257, capped.path("fields").path("command").asText().length(), "256 characters and an ellipsis");

        // A recorded session goes to the target's SSH port (sessions.port, 22), which this user's role does not allow.
        ProcessResult recorded = client.run("ssh", "-tt", "gw", "web_0");
        assertEquals(1, recorded.exit(), recorded.toString());
        assertTrue((recorded.err() + recorded.out()).contains("administratively prohibited"), recorded.toString());
        gw.awaitAudit("forward.denied", e -> e.path("code").asText().equals("port_not_allowed")
                && e.path("fields").path("kind").asText().equals("recorded"));
    }

    @Test
    void atFileArgumentsAreRefusedBeforeAnyHandler() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret-key"), "S3CR3T-MARKER\n");
        ProcessResult r = client.run("ssh", "gw", "jit", "@" + secret);
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("arguments starting with '@' are not accepted"), r.toString());
        assertFalse((r.out() + r.err()).contains("S3CR3T-MARKER"), r.toString());
        JsonNode e = gw.awaitAudit("command.refused", x -> x.path("code").asText().equals("argument_file"));
        assertEquals("jit", e.path("fields").path("command").asText());
        assertFalse(e.toString().contains("S3CR3T-MARKER"));
    }

    @Test
    void everyEventCarriesTheSharedMetadata() throws Exception {
        client.run("ssh", "gw", "info").requireSuccess("ssh gw info");
        JsonNode opened = gw.awaitAudit("session.opened", x -> true);
        assertTrue(opened.path("session").asText().startsWith("ssh-"));
        gw.awaitAudit("session.closed", x -> x.path("fields").has("durationMs"));
        for (JsonNode e : gw.audit()) {
            String ev = e.path("event").asText();
            if (ev.startsWith("gateway.")) continue;
            assertNotEquals("", e.path("session").asText(""), e.toString());
            assertTrue(e.path("source").asText().matches("127\\.0\\.0\\.1:\\d+"), e.toString());
        }
    }

    private String fingerprint(Path key) throws Exception {
        ProcessResult r = io.jumpgate.gateway.testing.ProcessResult.run(Duration.ofSeconds(20), Map.of(), null,
                List.of("ssh-keygen", "-l", "-f", key + ".pub")).requireSuccess("ssh-keygen -l");
        return r.out().split(" ")[1];
    }
}
