package io.jumpgate.gateway.recording;

import com.fasterxml.jackson.databind.JsonNode;
import io.jumpgate.gateway.cli.Cli;
import io.jumpgate.gateway.testing.GatewayFixture;
import io.jumpgate.gateway.testing.OpenSshClient;
import io.jumpgate.gateway.testing.ProcessResult;
import io.jumpgate.gateway.testing.SshdTarget;
import io.jumpgate.testkit.Peers;
import io.jumpgate.testkit.Poll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Recorded sessions end to end: the real OpenSSH client -> the real gateway ({@code ssh -t gw TARGET [command]})
 * -> a real OpenSSH sshd target. One target for the class (it trusts the gateway's identity key and user CA and
 * presents a host certificate too); a gateway per test, configured in YAML as operators would.
 */
class RecordedSessionTest {
    @TempDir
    static Path tmp;
    static SshdTarget sshd;
    static OpenSshClient client;
    static Path identity;
    static Path userCa;
    static Path otherCa;
    static Path alice;
    static Path knownHosts;
    static Path hostCa;

    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void startTarget() throws Exception {
        SshdTarget.requirePeers();
        client = new OpenSshClient(tmp.resolve("client"));
        identity = client.newKey("gw_identity");
        userCa = client.newKey("user_ca");
        otherCa = client.newKey("other_ca");
        alice = client.newKey("alice");
        hostCa = client.newKey("host_ca");
        // The target presents a host certificate too: known_hosts tests then also prove a certificate is matched by its key.
        sshd = SshdTarget.start(tmp.resolve("target"), List.of(OpenSshClient.publicLine(identity)),
                List.of("TrustedUserCAKeys " + userCa + ".pub", "LogLevel VERBOSE", "AcceptEnv LANG", "PrintMotd no",
                        "PrintLastLog no"), hostCa);
        Files.setPosixFilePermissions(Path.of(userCa + ".pub"), PosixFilePermissions.fromString("rw-r--r--"));
        knownHosts = Files.writeString(tmp.resolve("known_hosts"),
                "[" + sshd.host() + "]:" + sshd.port() + " " + sshd.hostKeyLine() + "\n");
    }

    @AfterAll
    static void stopTarget() throws Exception {
        if (sshd != null) sshd.close();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
    }

    /** A gateway for one test, its client alias ({@code gw-PORT}), its configuration file and recordings directory. */
    record Gw(GatewayFixture fixture, String alias, Path config, Path recordings) {
        /** The first {@code event}; for {@code session.closed}, of a recorded session (not the client's gateway session). */
        JsonNode await(String event) {
            return fixture.awaitAudit(event, e -> !event.equals("session.closed")
                    || e.path("fields").path("kind").asText().equals("recorded"));
        }

        List<JsonNode> events(String event) {
            return fixture.audit().stream().filter(e -> e.path("event").asText().equals(event)).toList();
        }
    }

    /** Sessions by the gateway's identity key, target host keys from the known_hosts file. */
    Gw keyGateway(String mode) throws Exception {
        return gateway(mode, null, "auth: key\n  identityKey: " + identity + "\n  knownHosts: " + knownHosts, b -> {});
    }

    /**
     * @param mode       the role's {@code recording:}
     * @param recordings {@code recordings.dir}, or null for one in the gateway's directory
     * @param sessions   the {@code sessions:} keys besides port and login
     */
    Gw gateway(String mode, Path recordings, String sessions, Consumer<io.jumpgate.gateway.Gateway.Builder> customize)
            throws Exception {
        return gateway(mode, recordings, sessions, customize, sshd.host());
    }

    /** @param targetHost web_0's address (its SSH port is the test sshd's) */
    Gw gateway(String mode, Path recordings, String sessions, Consumer<io.jumpgate.gateway.Gateway.Builder> customize,
               String targetHost) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "gw");
        Path rec = recordings == null ? dir.resolve("recordings") : recordings;
        String yaml = """
                dataDir: %s
                ssh:
                  listen: 127.0.0.1:0
                limits:
                  allowLoopbackTargets: true
                inventory:
                  static:
                    - {name: web_0, address: %s}
                roles:
                  - {name: ops, targets: [web_*], ports: [%d], recording: %s}
                users:
                  - {name: alice, roles: [ops], authorizedKeys: ["%s"]}
                recordings:
                  dir: %s
                sessions:
                  port: %d
                  login: {default: %s}
                  %s
                """.formatted(dir, targetHost, sshd.port(), mode, OpenSshClient.publicLine(alice), rec, sshd.port(),
                sshd.loginUser(), sessions);
        Path config = Files.writeString(dir.resolve("jumpgate.yaml"), yaml);
        GatewayFixture gw = GatewayFixture.startWith(dir, yaml, customize);
        open.add(gw);
        String alias = "gw-" + gw.port();
        client.knownHost("127.0.0.1", gw.port(), gw.hostKeyLine())
                .host(alias, "HostName 127.0.0.1", "Port " + gw.port(), "User alice", "IdentityFile " + alice,
                        "SendEnv LANG");
        return new Gw(gw, alias, config, rec);
    }

    /** Runs the real OpenSSH client with {@code input} on a pipe kept open until it exits. */
    static ProcessResult ssh(String input, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ssh", "-F", client.config().toString()));
        cmd.addAll(args);
        Path out = Files.createTempFile(tmp, "out", ".txt"), err = Files.createTempFile(tmp, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("LANG", "C.UTF-8");
        pb.environment().put("TERM", "xterm");
        Process p = pb.start();
        p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().flush();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("ssh did not finish: " + Files.readString(out) + Files.readString(err));
        }
        p.getOutputStream().close();
        return new ProcessResult(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    static ProcessResult ssh(Gw gw, boolean tty, String input, String... command) throws Exception {
        List<String> args = new ArrayList<>(List.of(tty ? "-tt" : "-T", gw.alias(), "web_0"));
        args.addAll(List.of(command));
        return ssh(input, args);
    }

    static String sha256(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }

    /** The recording as stock asciinema plays it (asciinema 2.2 wants a terminal: script(1) gives it one). */
    static String asciinemaCat(Path f) throws Exception {
        Peers.requireExecutable("asciinema", "asciinema");
        Process p = new ProcessBuilder("script", "-q", "-e", "-c", "asciinema cat '" + f + "'", "/dev/null")
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).replace("\r", "");
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "asciinema cat failed: " + text);
        return text;
    }

    static Path onlyRecording(Gw gw) throws IOException {
        try (var files = Files.list(gw.recordings())) {
            List<Path> casts = files.filter(f -> f.toString().endsWith(".cast")).toList();
            assertEquals(1, casts.size(), "recordings: " + casts);
            return casts.get(0);
        }
    }

    /** {@code jumpgate ARGS} as operators type it; returns exit code and output. */
    static ProcessResult jumpgate(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Cli.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new ProcessResult(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void requiredTargetIsRefusedOnTheJumpPathAndRecordedPlayableHashedAndSearchableThroughTheGateway() throws Exception {
        Gw gw = keyGateway("required");
        client.host("web_0", "Port " + sshd.port(), "User " + sshd.loginUser(), "IdentityFile " + identity);
        ProcessResult jump = ssh("", List.of("-o", "LogLevel=INFO", "-J", gw.alias(), "web_0", "echo", "should-not-run"));
        assertEquals(255, jump.exit(), jump.toString());
        assertFalse(jump.out().contains("should-not-run"));
        JsonNode denied = gw.fixture().awaitAudit("forward.denied", e -> e.path("target").path("name").asText().equals("web_0"));
        assertEquals("recording_required", denied.path("code").asText(), denied.toString());

        ProcessResult r = ssh(gw, true, "echo rec-$((6*7))-ok $LANG $TERM\nexit\n");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("rec-42-ok C.UTF-8"), r.out());

        Path cast = onlyRecording(gw);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cast)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(gw.recordings())));
        String header = Files.readAllLines(cast).get(0);
        assertTrue(header.startsWith("{\"version\":2,"), header);
        assertTrue(header.contains("\"user\":\"alice\"") && header.contains("\"target\":\"web_0\"")
                && header.contains("\"mode\":\"required\""), header);
        assertTrue(asciinemaCat(cast).contains("rec-42-ok"));

        JsonNode closed = gw.await("session.closed");
        JsonNode finished = gw.await("recording.finished");
        assertEquals(sha256(cast), finished.path("fields").path("sha256").asText());
        assertEquals(sha256(cast), closed.path("fields").path("sha256").asText());
        assertEquals(0, closed.path("fields").path("exitStatus").asInt(), closed.toString());
        assertEquals(1, gw.events("recording.started").size());

        String id = cast.getFileName().toString().replace(".cast", "");
        ProcessResult found = jumpgate("recordings", "--config", gw.config().toString(), "grep", "rec-42-ok", "--user", "alice");
        assertEquals(0, found.exit(), found.toString());
        assertTrue(found.out().contains(id + " +") && found.out().contains("alice@web_0: rec-42-ok C.UTF-8 xterm"), found.out());
        ProcessResult verified = jumpgate("recordings", "--config", gw.config().toString(), "verify", id);
        assertEquals(0, verified.exit(), verified.toString());
    }

    @Test
    void windowChangesReachTheTargetAndTheRecording() throws Exception {
        Peers.requireExecutable("tmux", "tmux");
        Gw gw = keyGateway("required");
        String socket = "jg-rec-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try {
            tmux(socket, "new-session", "-d", "-s", "t", "-x", "100", "-y", "30",
                    "ssh -F " + client.config() + " -tt " + gw.alias() + " web_0");
            Poll.until(Duration.ofSeconds(15), "a shell prompt from the target",
                    () -> tmux(socket, "capture-pane", "-p", "-t", "t").contains("$"));
            tmux(socket, "resize-window", "-t", "t", "-x", "120", "-y", "40");
            tmux(socket, "send-keys", "-t", "t", "stty size; exit", "Enter");
            gw.await("session.closed");
        } finally {
            new ProcessBuilder("tmux", "-L", socket, "kill-server").start().waitFor(5, TimeUnit.SECONDS);
        }
        Path cast = onlyRecording(gw);
        String text = Files.readString(cast);
        assertTrue(text.startsWith("{\"version\":2,\"width\":100,\"height\":30,"), text.substring(0, 60));
        assertTrue(text.contains("\"r\", \"120x40\"]"), text);
        assertTrue(asciinemaCat(cast).contains("40 120"), "the target's pty was resized");
    }

    static String tmux(String socket, String... args) {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-L", socket));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException(cmd + ": " + out);
            return out;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void execReturnsTheRemoteExitStatusWithAndWithoutAPtyAndKeepsStreamsApartWithout() throws Exception {
        Gw gw = keyGateway("on");
        ProcessResult r = ssh(gw, false, "", "echo to-out; echo to-err >&2; exit 7");
        assertEquals(7, r.exit(), r.err());
        assertEquals("to-out\n", r.out());
        assertTrue(r.err().contains("to-err"), r.err());
        String text = asciinemaCat(onlyRecording(gw));
        assertTrue(text.contains("to-out") && text.contains("to-err"), text);

        ProcessResult tty = ssh(gw, true, "", "exit 7");
        assertEquals(7, tty.exit(), tty.toString());
    }

    @Test
    void exitSignalBecomes128PlusN() throws Exception {
        Gw gw = keyGateway("off");
        ProcessResult r = ssh(gw, false, "", "kill -TERM $$");
        assertEquals(128 + 15, r.exit(), r.err());
        assertEquals("TERM", gw.await("session.closed").path("fields").path("exitSignal").asText());
        assertTrue(gw.events("recording.started").isEmpty());
    }

    Gw certificateGateway(Path ca, Consumer<io.jumpgate.gateway.Gateway.Builder> customize) throws Exception {
        return gateway("on", null, "auth: certificate\n  userCaKey: " + ca + "\n  knownHosts: " + knownHosts, customize);
    }

    @Test
    void sessionCertificateLogsInAndNamesUserAndSession() throws Exception {
        Gw gw = certificateGateway(userCa, b -> {});
        ProcessResult r = ssh(gw, false, "", "whoami");
        assertEquals(0, r.exit(), r.err());
        assertEquals("jgtest\n", r.out());
        Poll.until(Duration.ofSeconds(5), "sshd logs the certificate", () -> sshd.log().contains("jumpgate user=alice session="));
    }

    @Test
    void expiredCertificateIsRefusedWithAClearError() throws Exception {
        Clock past = Clock.fixed(Instant.now().minus(Duration.ofHours(2)), ZoneOffset.UTC);
        Gw gw = certificateGateway(userCa, b -> b.clock(past));
        assertRefusedLogin(gw, ssh(gw, false, "", "whoami"));
    }

    @Test
    void certificateFromAnUntrustedCaIsRefused() throws Exception {
        Gw gw = certificateGateway(otherCa, b -> {});
        assertRefusedLogin(gw, ssh(gw, false, "", "whoami"));
    }

    private static void assertRefusedLogin(Gw gw, ProcessResult r) {
        assertEquals(RecordedSession.GATEWAY_ERROR, r.exit());
        assertTrue(r.err().contains("refused the gateway's login as 'jgtest'") && r.err().contains("TrustedUserCAKeys"), r.err());
        assertEquals("auth_refused", gw.await("target.session_failed").path("code").asText());
    }

    @Test
    void wrongTargetHostKeyRefusesTheSessionAndIsAudited() throws Exception {
        Path impostor = client.newKey("impostor_" + System.nanoTime());
        Path wrong = Files.writeString(tmp.resolve("known_hosts_wrong"),
                "[" + sshd.host() + "]:" + sshd.port() + " " + OpenSshClient.publicLine(impostor) + "\n");
        Gw gw = gateway("on", null, "identityKey: " + identity + "\n  knownHosts: " + wrong, b -> {});
        ProcessResult r = ssh(gw, false, "", "echo should-not-run");
        assertEquals(RecordedSession.GATEWAY_ERROR, r.exit());
        assertFalse(r.out().contains("should-not-run"));
        assertTrue(r.err().contains("host key does not match"), r.err());
        assertEquals("host_key_mismatch", gw.await("target.session_failed").path("code").asText());
    }

    Gw hostCaGateway(Path ca) throws Exception {
        return gateway("off", null, "identityKey: " + identity + "\n  knownHosts: " + tmp.resolve("no_known_hosts")
                + "\n  hostCaKeys: [\"" + OpenSshClient.publicLine(ca) + "\"]", b -> {});
    }

    @Test
    void hostCertificateFromATrustedHostCaIsAcceptedWithoutKnownHosts() throws Exception {
        Gw gw = hostCaGateway(hostCa);
        ProcessResult r = ssh(gw, false, "", "echo via-host-ca");
        assertEquals(0, r.exit(), r.err());
        assertEquals("via-host-ca\n", r.out());
    }

    @Test
    void hostCertificateFromAnotherCaIsRefused() throws Exception {
        Gw gw = hostCaGateway(otherCa);
        ProcessResult r = ssh(gw, false, "", "echo should-not-run");
        assertEquals(RecordedSession.GATEWAY_ERROR, r.exit());
        assertTrue(r.err().contains("host key is unknown"), r.err());
        assertEquals("host_key_unknown", gw.await("target.session_failed").path("code").asText());
    }

    @Test
    void requiredRecordingThatCannotStartRefusesTheSession() throws Exception {
        Path notADir = Files.writeString(tmp.resolve("plain-file-" + System.nanoTime()), "x");
        Gw gw = gateway("required", notADir.resolve("recordings"), "identityKey: " + identity + "\n  knownHosts: " + knownHosts, b -> {});
        ProcessResult r = ssh(gw, false, "", "echo should-not-run");
        assertEquals(RecordedSession.GATEWAY_ERROR, r.exit());
        assertFalse(r.out().contains("should-not-run"));
        assertTrue(r.err().contains("must be recorded and the recording cannot be written"), r.err());
        assertEquals("cannot_start", gw.await("recording.failed").path("code").asText());
        assertEquals("recording_unavailable", gw.await("target.session_failed").path("code").asText());
    }

    @Test
    void optionalRecordingThatCannotStartLetsTheSessionRun() throws Exception {
        Path notADir = Files.writeString(tmp.resolve("plain-file-" + System.nanoTime()), "x");
        Gw gw = gateway("on", notADir.resolve("recordings"), "identityKey: " + identity + "\n  knownHosts: " + knownHosts, b -> {});
        ProcessResult r = ssh(gw, false, "", "echo runs-anyway");
        assertEquals(0, r.exit(), r.err());
        assertEquals("runs-anyway\n", r.out());
        gw.await("session.closed");
        assertEquals(1, gw.events("recording.failed").size());
    }

    @Test
    void usersWhoStopReadingHoldUpOnlyTheirOwnSessions() throws Exception {
        Gw gw = keyGateway("on");
        // More stalled sessions than the gateway has I/O threads for its target connections (MINA: cores + 1).
        int stalled = Runtime.getRuntime().availableProcessors() + 2;
        List<Process> users = new ArrayList<>();
        try {
            for (int i = 0; i < stalled; i++) {
                // Endless output nobody reads: ssh's stdout is a pipe this test never drains, so ssh stops taking
                // channel data and the gateway's window towards this user closes (a paused pager, a suspended laptop).
                users.add(new ProcessBuilder("ssh", "-F", client.config().toString(), "-T", gw.alias(), "web_0", "yes")
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start());
            }
            awaitRecordingsStill(gw, stalled);
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                ProcessResult r = ssh(gw, false, "", "echo still-served-" + i);
                assertEquals(0, r.exit(), "a new session while " + stalled + " users are not reading: " + r.err());
                assertEquals("still-served-" + i + "\n", r.out());
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertTrue(ms < 10_000, "took " + ms + " ms");
            }
            for (Process u : users) assertTrue(u.isAlive(), "a user who is slow to read keeps the session");
            // The gateway stops while they are still not reading: every session's end is audited, and promptly.
            long t0 = System.nanoTime();
            gw.fixture().close();
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(ms < 15_000, "stopping took " + ms + " ms");
        } finally {
            for (Process u : users) u.destroyForcibly();
        }
        List<String> order = gw.fixture().audit().stream().map(e -> e.path("event").asText()
                + (e.path("fields").path("kind").asText().equals("recorded") ? ":recorded" : "")).toList();
        assertEquals(stalled + 3, order.stream().filter("session.closed:recorded"::equals).count(), order.toString());
        assertTrue(order.lastIndexOf("session.closed:recorded") < order.indexOf("gateway.stopped"), order.toString());
    }

    @Test
    void stoppingTheGatewayEndsLiveSessionsAndAuditsTheirRecordingsFirst() throws Exception {
        Gw gw = keyGateway("required");
        Process user = new ProcessBuilder("ssh", "-F", client.config().toString(), "-T", gw.alias(), "web_0",
                "echo started; sleep 120").redirectErrorStream(true).start();
        try {
            gw.await("command.executed");
            Poll.until(Duration.ofSeconds(30), "the session's first output recorded", () -> {
                try {
                    return Files.readString(onlyRecording(gw)).contains("started");
                } catch (IOException e) {
                    return false;
                }
            });
            gw.fixture().close();
            assertTrue(user.waitFor(30, TimeUnit.SECONDS), "the user's ssh ends with the gateway");
            String told = new String(user.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(told.contains("jumpgate: the gateway is shutting down"), told);
            assertEquals(RecordedSession.GATEWAY_ERROR, user.exitValue());
        } finally {
            user.destroyForcibly();
        }
        List<String> order = gw.fixture().audit().stream().map(e -> e.path("event").asText()).toList();
        int stopped = order.indexOf("gateway.stopped");
        assertTrue(stopped > order.indexOf("recording.finished") && order.indexOf("recording.finished") >= 0, order.toString());
        assertTrue(gw.events("session.closed").stream().anyMatch(e -> e.path("fields").path("kind").asText().equals("recorded")
                && order.indexOf("session.closed") < stopped), order.toString());
        String id = gw.await("recording.finished").path("fields").path("recording").asText();
        ProcessResult verified = jumpgate("recordings", "--config", gw.config().toString(), "verify", id);
        assertEquals(0, verified.exit(), verified.out() + verified.err());
    }

    /**
     * A target that accepts the connection and never speaks SSH, with a minute to connect: stopping the gateway
     * abandons the connect at once, and the session's end is audited before the gateway's stop.
     */
    @Test
    void stoppingTheGatewayWhileASessionIsStillConnectingAuditsItsEnd() throws Exception {
        String silentHost = "127.0.0.213";
        try (java.net.ServerSocket silent = new java.net.ServerSocket()) {
            silent.bind(new java.net.InetSocketAddress(silentHost, sshd.port())); // accepts (backlog), never answers
            Gw gw = gateway("required", null, "auth: key\n  identityKey: " + identity + "\n  knownHosts: " + knownHosts
                    + "\n  connectTimeout: 60s", b -> {}, silentHost);
            Process user = new ProcessBuilder("ssh", "-F", client.config().toString(), "-T", gw.alias(), "web_0", "true")
                    .redirectErrorStream(true).start();
            try {
                gw.await("command.executed"); // audited just before the gateway connects to the target
                long t0 = System.nanoTime();
                gw.fixture().close();
                long tookMs = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(user.waitFor(30, TimeUnit.SECONDS), "the user's ssh ends with the gateway");
                String told = new String(user.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(told.contains("jumpgate: the gateway is shutting down"), told);
                assertEquals(RecordedSession.GATEWAY_ERROR, user.exitValue());
                assertTrue(tookMs < 5_000, "the stop does not wait for the connect: " + tookMs + " ms");
            } finally {
                user.destroyForcibly();
            }
            List<String> order = gw.fixture().audit().stream().map(e -> e.path("event").asText()).toList();
            int closed = order.lastIndexOf("session.closed");
            assertTrue(closed >= 0 && closed < order.indexOf("gateway.stopped"), order.toString());
            var end = gw.events("session.closed").stream()
                    .filter(e -> e.path("fields").path("kind").asText().equals("recorded")).findFirst().orElseThrow();
            assertEquals("ended_by_gateway", end.path("code").asText(), end.toString());
            assertTrue(gw.events("target.session_failed").isEmpty(), "a stop is not a target failure: " + order);
        }
    }

    @Test
    void aUserWhoStopsReadingForLongerThanHalfAMinuteGetsEverythingWhenTheyResume() throws Exception {
        Gw gw = keyGateway("on");
        Process user = new ProcessBuilder("ssh", "-F", client.config().toString(), "-T", gw.alias(), "web_0",
                "seq 1 3000000").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            awaitRecordingsStill(gw, 1); // the gateway is now waiting for this user to read
            // The pause under test, not a wait for readiness: longer than MINA's default 30 s wait for window
            // space, within the gateway's idle timeout (15 min).
            Thread.sleep(35_000);
            byte[] got = user.getInputStream().readAllBytes();
            assertTrue(user.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, user.exitValue());
            StringBuilder expected = new StringBuilder();
            for (int i = 1; i <= 3_000_000; i++) expected.append(i).append('\n');
            assertEquals(expected.length(), got.length, "all output, after the pause");
            assertEquals(expected.toString(), new String(got, StandardCharsets.US_ASCII));
        } finally {
            user.destroyForcibly();
        }
        assertEquals("ok", gw.await("session.closed").path("code").asText());
    }

    /** Waits until the gateway has taken all it will from the targets: no recording grows for a second. */
    private static void awaitRecordingsStill(Gw gw, int sessions) {
        long[] last = {-1, 0};
        Poll.until(Duration.ofSeconds(60), sessions + " stalled sessions' recordings to stop growing", () -> {
            long total = castBytes(gw, sessions);
            long now = System.nanoTime();
            if (total != last[0]) {
                last[0] = total;
                last[1] = now;
                return false;
            }
            return total > 0 && now - last[1] > TimeUnit.SECONDS.toNanos(1);
        });
    }

    /** Total bytes of the gateway's recordings, or -1 while there are fewer than {@code expected}. */
    private static long castBytes(Gw gw, int expected) {
        try (var files = Files.list(gw.recordings())) {
            List<Path> casts = files.filter(f -> f.toString().endsWith(".cast")).toList();
            if (casts.size() < expected) return -1;
            long total = 0;
            for (Path c : casts) total += Files.size(c);
            return total;
        } catch (IOException e) {
            return -1;
        }
    }

    @Test
    void fullDiskEndsARequiredSessionAndKeepsWhatWasWritten() throws Exception {
        Path mount = Files.createDirectories(tmp.resolve("tiny-" + System.nanoTime()));
        Process m = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mount.toString())
                .redirectErrorStream(true).start();
        Peers.require(m.waitFor(10, TimeUnit.SECONDS) && m.exitValue() == 0, "a 64k tmpfs (mount -t tmpfs needs root)");
        try {
            Gw gw = gateway("required", mount.resolve("recordings"), "identityKey: " + identity + "\n  knownHosts: " + knownHosts, b -> {});
            ProcessResult r = ssh(gw, false, "", "seq 1 100000; echo never-shown");
            assertEquals(RecordedSession.GATEWAY_ERROR, r.exit(), r.err());
            assertTrue(r.err().contains("recording failed") && r.err().contains("has been ended"), r.err());
            assertFalse(r.out().contains("never-shown"));
            Path cast = onlyRecording(gw);
            String played = asciinemaCat(cast);
            assertTrue(played.startsWith("1\n2\n3\n"), played.substring(0, Math.min(50, played.length())));
            // What the user saw against the recording's own events (asciinema's output above passes through a pty
            // and `script`, which may lose its last bytes when the player exits).
            StringBuilder recorded = new StringBuilder();
            try (InputStream in = Files.newInputStream(cast)) {
                CastFile.events(in, e -> {
                    if (e.code().equals("o")) recorded.append(e.data());
                });
            }
            assertTrue(recorded.toString().startsWith(r.out()), () -> "everything the user saw was recorded first; saw "
                    + r.out().length() + " chars ending " + tail(r.out()) + ", the recording holds " + recorded.length()
                    + " chars ending " + tail(recorded.toString()));
            assertEquals("write_failed", gw.await("recording.failed").path("code").asText());
            JsonNode finished = gw.await("recording.finished");
            assertFalse(finished.path("fields").path("complete").asBoolean(true));
            assertEquals(sha256(cast), finished.path("fields").path("sha256").asText());
        } finally {
            for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
            open.clear();
            new ProcessBuilder("umount", "-l", mount.toString()).start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static String tail(String s) {
        return "'" + s.substring(Math.max(0, s.length() - 40)).replace("\n", "\\n") + "'";
    }
}
