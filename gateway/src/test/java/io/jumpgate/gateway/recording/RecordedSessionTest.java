package io.jumpgate.gateway.recording;

import io.jumpgate.core.audit.AuditEvent;
import io.jumpgate.core.audit.AuditSink;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.JsonLinesAuditLog;
import io.jumpgate.core.audit.MemoryAuditSink;
import io.jumpgate.core.policy.Decision;
import io.jumpgate.core.policy.RecordingMode;
import io.jumpgate.core.recording.LocalDirectoryArchive;
import io.jumpgate.core.target.Target;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real OpenSSH client -> a minimal MINA server hosting {@link RecordedSession} -> real OpenSSH sshd target.
 */
class RecordedSessionTest {
    @TempDir
    static Path tmp;
    static SshdTarget sshd;
    static Path identity;
    static Path userCa;
    static Path otherCa;
    static Path alice;
    static Path knownHosts;
    static Path hostCa;
    static Target target;

    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void startTarget() throws Exception {
        SshdTarget.requirePeers();
        identity = Keys.generate(tmp.resolve("gw_identity"), "jumpgate identity");
        userCa = Keys.generate(tmp.resolve("user_ca"), "jumpgate user CA");
        otherCa = Keys.generate(tmp.resolve("other_ca"), "some other CA");
        alice = Keys.generate(tmp.resolve("alice"), "alice");
        hostCa = Keys.generate(tmp.resolve("host_ca"), "jumpgate host CA");
        // The target presents a host certificate too: known_hosts tests then also prove a certificate is matched by its key.
        sshd = SshdTarget.start(List.of(Keys.publicLine(Path.of(identity + ".pub"))),
                Path.of(userCa + ".pub"), hostCa);
        knownHosts = Files.writeString(tmp.resolve("known_hosts"), sshd.knownHostsLine() + "\n");
        target = Target.of("web_0", InetAddress.getByName(sshd.host));
    }

    @AfterAll
    static void stopTarget() throws Exception {
        if (sshd != null) sshd.close();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
    }

    /** A gateway for one test: its recordings directory, audit log (file and memory) and port. */
    record Gw(int port, Path recordings, Path auditFile, MemoryAuditSink audit) {
        List<AuditEvent> events(AuditType t) {
            return audit.matching(e -> e.type() == t);
        }
    }

    Gw gateway(TargetAuthenticator auth, Path knownHostsFile, Path recordings, RecordingMode mode) throws Exception {
        return gateway(auth, knownHostsFile, List.of(), recordings, mode);
    }

    Gw gateway(TargetAuthenticator auth, Path knownHostsFile, List<String> hostCaKeys, Path recordings, RecordingMode mode)
            throws Exception {
        Path dir = Files.createTempDirectory(tmp, "gw");
        Path auditFile = dir.resolve("audit.jsonl");
        JsonLinesAuditLog log = new JsonLinesAuditLog(auditFile, false);
        MemoryAuditSink mem = new MemoryAuditSink();
        AuditSink both = e -> {
            mem.emit(e);
            log.emit(e);
        };
        Clock clock = Clock.systemUTC();
        RecordedSessions sessions = new RecordedSessions(
                new TargetConnector(TargetHostKeys.load(knownHostsFile, hostCaKeys, clock), auth, Duration.ofSeconds(10)),
                new Recorder(recordings, new LocalDirectoryArchive(recordings), false, System::nanoTime),
                t -> SshdTarget.LOGIN, both, clock, Duration.ofSeconds(10));
        TestGateway gw = new TestGateway(dir.resolve("gw_host_key"),
                PublicKeyEntry.parsePublicKeyEntry(Keys.publicLine(Path.of(alice + ".pub"))).resolvePublicKey(null, null, null),
                sessions, new Decision.Allow(target, sshd.port, "ops", "grant-1", null, mode));
        open.add(log);
        open.add(sessions);
        open.add(gw);
        return new Gw(gw.port(), recordings, auditFile, mem);
    }

    Gw keyGateway(RecordingMode mode) throws Exception {
        return gateway(new IdentityKeyAuthenticator(TargetConnector.loadKey(identity)), knownHosts,
                Files.createTempDirectory(tmp, "rec").resolve("recordings"), mode);
    }

    record SshResult(int exit, String out, String err) {}

    /** Runs the real OpenSSH client against the gateway. */
    static SshResult ssh(Gw gw, boolean tty, String input, String... command) throws Exception {
        List<String> cmd = sshArgs(gw, tty);
        cmd.addAll(List.of(command));
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
        return new SshResult(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    static List<String> sshArgs(Gw gw, boolean tty) {
        return new ArrayList<>(List.of("ssh", "-F", "/dev/null", "-i", alice.toString(), "-o", "IdentitiesOnly=yes",
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
                "-o", "LogLevel=ERROR", "-o", "SendEnv=LANG", "-p", String.valueOf(gw.port()), tty ? "-tt" : "-T",
                TestGateway.USER + "@127.0.0.1"));
    }

    static String sha256(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }

    /** The recording as stock asciinema plays it (asciinema 2.2 wants a terminal: script(1) gives it one). */
    static String asciinemaCat(Path f) throws Exception {
        io.jumpgate.testkit.Peers.requireExecutable("asciinema", "asciinema");
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

    @Test
    void interactiveShellIsRecordedPlayableAndHashed() throws Exception {
        Gw gw = keyGateway(RecordingMode.REQUIRED);
        SshResult r = ssh(gw, true, "echo rec-$((6*7))-ok $LANG $TERM\nexit\n");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("rec-42-ok C.UTF-8"), r.out());

        Path cast = onlyRecording(gw);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cast)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(gw.recordings())));
        String header = Files.readAllLines(cast).get(0);
        assertTrue(header.startsWith("{\"version\":2,"), header);
        assertTrue(header.contains("\"user\":\"alice\"") && header.contains("\"target\":\"web_0\"")
                && header.contains("\"grant\":\"grant-1\""), header);
        assertTrue(asciinemaCat(cast).contains("rec-42-ok"));

        Poll.until(gw, AuditType.SESSION_CLOSED);
        AuditEvent finished = gw.events(AuditType.RECORDING_FINISHED).get(0);
        assertEquals(sha256(cast), finished.fields().get("sha256"));
        AuditEvent closed = gw.events(AuditType.SESSION_CLOSED).get(0);
        assertEquals(sha256(cast), closed.fields().get("sha256"));
        assertEquals(0, closed.fields().get("exitStatus"));
        assertEquals(1, gw.events(AuditType.RECORDING_STARTED).size());

        Path config = Files.writeString(tmp.resolve("review-" + System.nanoTime() + ".yaml"),
                "recordings:\n  dir: " + gw.recordings() + "\naudit:\n  file: " + gw.auditFile() + "\n");
        String id = cast.getFileName().toString().replace(".cast", "");
        java.io.StringWriter found = new java.io.StringWriter();
        var cli = RecordingsCommand.commandLine(new RecordingsCommand());
        cli.setOut(new java.io.PrintWriter(found));
        assertEquals(0, cli.execute("--config", config.toString(), "grep", "rec-42-ok", "--user", "alice"), found.toString());
        assertTrue(found.toString().contains(id + " +") && found.toString().contains("alice@web_0: rec-42-ok C.UTF-8 xterm"),
                found.toString());
        java.io.StringWriter verified = new java.io.StringWriter();
        cli.setOut(new java.io.PrintWriter(verified));
        assertEquals(0, cli.execute("--config", config.toString(), "verify", id), verified.toString());
    }

    @Test
    void windowChangesReachTheTargetAndTheRecording() throws Exception {
        io.jumpgate.testkit.Peers.requireExecutable("tmux", "tmux");
        Gw gw = keyGateway(RecordingMode.REQUIRED);
        String socket = "jg-rec-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try {
            tmux(socket, "new-session", "-d", "-s", "t", "-x", "100", "-y", "30", String.join(" ", sshArgs(gw, true)));
            io.jumpgate.testkit.Poll.until(Duration.ofSeconds(15), "a shell prompt from the target",
                    () -> tmux(socket, "capture-pane", "-p", "-t", "t").contains("$"));
            tmux(socket, "resize-window", "-t", "t", "-x", "120", "-y", "40");
            tmux(socket, "send-keys", "-t", "t", "stty size; exit", "Enter");
            Poll.until(gw, AuditType.SESSION_CLOSED);
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
    void execReturnsTheRemoteExitStatusAndKeepsStreamsApart() throws Exception {
        Gw gw = keyGateway(RecordingMode.ON);
        SshResult r = ssh(gw, false, "", "echo to-out; echo to-err >&2; exit 7");
        assertEquals(7, r.exit(), r.err());
        assertEquals("to-out\n", r.out());
        assertTrue(r.err().contains("to-err"), r.err());
        String text = asciinemaCat(onlyRecording(gw));
        assertTrue(text.contains("to-out") && text.contains("to-err"), text);
    }

    @Test
    void exitSignalBecomes128PlusN() throws Exception {
        Gw gw = keyGateway(RecordingMode.OFF);
        SshResult r = ssh(gw, false, "", "kill -TERM $$");
        assertEquals(128 + 15, r.exit(), r.err());
        Poll.until(gw, AuditType.SESSION_CLOSED);
        assertEquals("TERM", gw.events(AuditType.SESSION_CLOSED).get(0).fields().get("exitSignal"));
        assertTrue(gw.events(AuditType.RECORDING_STARTED).isEmpty());
    }

    @Test
    void sessionCertificateLogsInAndNamesUserAndSession() throws Exception {
        Gw gw = gateway(new SessionCertificateAuthenticator(TargetConnector.loadKey(userCa), Duration.ofMinutes(5), Clock.systemUTC()),
                knownHosts, Files.createTempDirectory(tmp, "rec").resolve("r"), RecordingMode.ON);
        SshResult r = ssh(gw, false, "", "whoami");
        assertEquals(0, r.exit(), r.err());
        assertEquals("jgtest\n", r.out());
        io.jumpgate.testkit.Poll.until(Duration.ofSeconds(5), "sshd logs the certificate",
                () -> sshd.log().contains("jumpgate user=alice session=gw"));
    }

    @Test
    void expiredCertificateIsRefusedWithAClearError() throws Exception {
        Clock past = Clock.fixed(Instant.now().minus(Duration.ofHours(2)), ZoneOffset.UTC);
        Gw gw = gateway(new SessionCertificateAuthenticator(TargetConnector.loadKey(userCa), Duration.ofMinutes(5), past),
                knownHosts, Files.createTempDirectory(tmp, "rec").resolve("r"), RecordingMode.ON);
        assertRefusedLogin(gw, ssh(gw, false, "", "whoami"));
    }

    @Test
    void certificateFromAnUntrustedCaIsRefused() throws Exception {
        Gw gw = gateway(new SessionCertificateAuthenticator(TargetConnector.loadKey(otherCa), Duration.ofMinutes(5), Clock.systemUTC()),
                knownHosts, Files.createTempDirectory(tmp, "rec").resolve("r"), RecordingMode.ON);
        assertRefusedLogin(gw, ssh(gw, false, "", "whoami"));
    }

    private static void assertRefusedLogin(Gw gw, SshResult r) {
        assertEquals(RecordedSession.GATEWAY_ERROR, r.exit());
        assertTrue(r.err().contains("refused the gateway's login as 'jgtest'") && r.err().contains("TrustedUserCAKeys"), r.err());
        Poll.until(gw, AuditType.SESSION_CLOSED);
        assertEquals("auth_refused", gw.events(AuditType.TARGET_SESSION_FAILED).get(0).code());
    }

    @Test
    void wrongTargetHostKeyRefusesTheSessionAndIsAudited() throws Exception {
        Path impostor = Keys.generate(tmp.resolve("impostor_" + System.nanoTime()), "impostor");
        Path wrong = Files.writeString(tmp.resolve("known_hosts_wrong"),
                "[" + sshd.host + "]:" + sshd.port + " " + Keys.publicLine(Path.of(impostor + ".pub")) + "\n");
        Gw gw = gateway(new IdentityKeyAuthenticator(TargetConnector.loadKey(identity)), wrong,
                Files.createTempDirectory(tmp, "rec").resolve("r"), RecordingMode.ON);
        SshResult r = ssh(gw, false, "", "echo should-not-run");
        assertEquals(RecordedSession.GATEWAY_ERROR, r.exit());
        assertFalse(r.out().contains("should-not-run"));
        assertTrue(r.err().contains("host key does not match"), r.err());
        Poll.until(gw, AuditType.SESSION_CLOSED);
        assertEquals("host_key_mismatch", gw.events(AuditType.TARGET_SESSION_FAILED).get(0).code());
    }

    @Test
    void hostCertificateFromATrustedHostCaIsAcceptedWithoutKnownHosts() throws Exception {
        Gw gw = gateway(new IdentityKeyAuthenticator(TargetConnector.loadKey(identity)), tmp.resolve("no_known_hosts"),
                List.of(Keys.publicLine(Path.of(hostCa + ".pub"))), Files.createTempDirectory(tmp, "rec").resolve("r"),
                RecordingMode.OFF);
        SshResult r = ssh(gw, false, "", "echo via-host-ca");
        assertEquals(0, r.exit(), r.err());
        assertEquals("via-host-ca\n", r.out());
    }

    @Test
    void hostCertificateFromAnotherCaIsRefused() throws Exception {
        Gw gw = gateway(new IdentityKeyAuthenticator(TargetConnector.loadKey(identity)), tmp.resolve("no_known_hosts"),
                List.of(Keys.publicLine(Path.of(otherCa + ".pub"))), Files.createTempDirectory(tmp, "rec").resolve("r"),
                RecordingMode.OFF);
        SshResult r = ssh(gw, false, "", "echo should-not-run");
        assertEquals(RecordedSession.GATEWAY_ERROR, r.exit());
        assertTrue(r.err().contains("host key is unknown"), r.err());
        Poll.until(gw, AuditType.SESSION_CLOSED);
        assertEquals("host_key_unknown", gw.events(AuditType.TARGET_SESSION_FAILED).get(0).code());
    }

    @Test
    void requiredRecordingThatCannotStartRefusesTheSession() throws Exception {
        Path notADir = Files.writeString(tmp.resolve("plain-file-" + System.nanoTime()), "x");
        Gw gw = gateway(new IdentityKeyAuthenticator(TargetConnector.loadKey(identity)), knownHosts,
                notADir.resolve("recordings"), RecordingMode.REQUIRED);
        SshResult r = ssh(gw, false, "", "echo should-not-run");
        assertEquals(RecordedSession.GATEWAY_ERROR, r.exit());
        assertFalse(r.out().contains("should-not-run"));
        assertTrue(r.err().contains("must be recorded and the recording cannot be written"), r.err());
        Poll.until(gw, AuditType.SESSION_CLOSED);
        assertEquals("cannot_start", gw.events(AuditType.RECORDING_FAILED).get(0).code());
        assertEquals("recording_unavailable", gw.events(AuditType.TARGET_SESSION_FAILED).get(0).code());
    }

    @Test
    void optionalRecordingThatCannotStartLetsTheSessionRun() throws Exception {
        Path notADir = Files.writeString(tmp.resolve("plain-file-" + System.nanoTime()), "x");
        Gw gw = gateway(new IdentityKeyAuthenticator(TargetConnector.loadKey(identity)), knownHosts,
                notADir.resolve("recordings"), RecordingMode.ON);
        SshResult r = ssh(gw, false, "", "echo runs-anyway");
        assertEquals(0, r.exit(), r.err());
        assertEquals("runs-anyway\n", r.out());
        Poll.until(gw, AuditType.SESSION_CLOSED);
        assertEquals(1, gw.events(AuditType.RECORDING_FAILED).size());
    }

    @Test
    void fullDiskEndsARequiredSessionAndKeepsWhatWasWritten() throws Exception {
        Path mount = Files.createDirectories(tmp.resolve("tiny-" + System.nanoTime()));
        Process m = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mount.toString())
                .redirectErrorStream(true).start();
        io.jumpgate.testkit.Peers.require(m.waitFor(10, TimeUnit.SECONDS) && m.exitValue() == 0,
                "a 64k tmpfs (mount -t tmpfs needs root)");
        try {
            Gw gw = gateway(new IdentityKeyAuthenticator(TargetConnector.loadKey(identity)), knownHosts,
                    mount.resolve("recordings"), RecordingMode.REQUIRED);
            SshResult r = ssh(gw, false, "", "seq 1 100000; echo never-shown");
            assertEquals(RecordedSession.GATEWAY_ERROR, r.exit(), r.err());
            assertTrue(r.err().contains("recording failed") && r.err().contains("has been ended"), r.err());
            assertFalse(r.out().contains("never-shown"));
            Path cast = onlyRecording(gw);
            String played = asciinemaCat(cast);
            assertTrue(played.startsWith("1\n2\n3\n"), played.substring(0, Math.min(50, played.length())));
            assertTrue(r.out().startsWith(played.substring(0, 1000)), "what the user saw was recorded first");
            Poll.until(gw, AuditType.SESSION_CLOSED);
            assertEquals("write_failed", gw.events(AuditType.RECORDING_FAILED).get(0).code());
            AuditEvent finished = gw.events(AuditType.RECORDING_FINISHED).get(0);
            assertEquals(false, finished.fields().get("complete"));
            assertEquals(sha256(cast), finished.fields().get("sha256"));
        } finally {
            new ProcessBuilder("umount", "-l", mount.toString()).start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Waits for the gateway's audit to record an event (the session ends just after the client does). */
    static final class Poll {
        static void until(Gw gw, AuditType type) {
            io.jumpgate.testkit.Poll.until(Duration.ofSeconds(10), type.eventName(), () -> !gw.events(type).isEmpty());
        }
    }
}
