package io.jumpgate.gateway.recording;

import io.jumpgate.core.audit.AuditSink;
import io.jumpgate.core.audit.JsonLinesAuditLog;
import io.jumpgate.core.policy.Decision;
import io.jumpgate.core.policy.RecordingMode;
import io.jumpgate.core.recording.LocalDirectoryArchive;
import io.jumpgate.core.target.Target;
import org.apache.sshd.common.config.keys.PublicKeyEntry;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Throughput of {@code cat BIGFILE} through a recorded session vs the same path unrecorded (and, for reference,
 * straight to the target sshd), alternating runs in one process. Run by {@code bench/recording.sh}:
 * {@code RecordingBench WORKDIR MIB ROUNDS}. Prints MiB/s per path and the recorded/unrecorded ratio.
 */
public final class RecordingBench {
    private RecordingBench() {}

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        int mib = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        Files.createDirectories(work);
        Path identity = Keys.generate(work.resolve("gw_identity"), "bench identity");
        Path alice = Keys.generate(work.resolve("alice"), "bench alice");
        try (SshdTarget sshd = SshdTarget.start(List.of(Keys.publicLine(Path.of(identity + ".pub")),
                Keys.publicLine(Path.of(alice + ".pub"))), null)) {
            Path big = sshd.dir.resolve("big.txt");
            Keys.run("sh", "-c", "head -c " + (mib * 3L / 4) * 1024 * 1024 + " /dev/urandom | base64 > " + big);
            Files.setPosixFilePermissions(big, PosixFilePermissions.fromString("rw-r--r--"));
            long size = Files.size(big);
            Path knownHosts = Files.writeString(work.resolve("known_hosts"), sshd.knownHostsLine() + "\n");
            Target target = Target.of("bench", InetAddress.getByName(sshd.host));
            PublicKey aliceKey = PublicKeyEntry.parsePublicKeyEntry(Keys.publicLine(Path.of(alice + ".pub")))
                    .resolvePublicKey(null, null, null);
            Path recordings = work.resolve("recordings");
            try (JsonLinesAuditLog log = new JsonLinesAuditLog(work.resolve("audit.jsonl"), false);
                 RecordedSessions sessions = sessions(identity, knownHosts, recordings, log);
                 TestGateway recorded = new TestGateway(work.resolve("gw_host_key"), aliceKey, sessions,
                         new Decision.Allow(target, sshd.port, "bench", null, null, RecordingMode.REQUIRED));
                 TestGateway unrecorded = new TestGateway(work.resolve("gw_host_key"), aliceKey, sessions,
                         new Decision.Allow(target, sshd.port, "bench", null, null, RecordingMode.OFF))) {
                String cmd = "cat " + big;
                List<Double> direct = new ArrayList<>(), off = new ArrayList<>(), on = new ArrayList<>();
                run(alice, sshd.host, sshd.port, SshdTarget.LOGIN, cmd); // warm-up
                run(alice, "127.0.0.1", unrecorded.port(), TestGateway.USER, cmd);
                run(alice, "127.0.0.1", recorded.port(), TestGateway.USER, cmd);
                for (int i = 0; i < rounds; i++) {
                    direct.add(run(alice, sshd.host, sshd.port, SshdTarget.LOGIN, cmd));
                    off.add(run(alice, "127.0.0.1", unrecorded.port(), TestGateway.USER, cmd));
                    on.add(run(alice, "127.0.0.1", recorded.port(), TestGateway.USER, cmd));
                }
                double mibs = size / 1048576.0;
                double d = mibs / median(direct), u = mibs / median(off), r = mibs / median(on);
                long recBytes;
                try (var files = Files.list(recordings)) {
                    recBytes = files.mapToLong(f -> f.toFile().length()).max().orElse(0);
                }
                System.out.printf(Locale.ROOT, "file: %.0f MiB of base64 text, %d rounds (median), ssh -T exec 'cat'%n", mibs, rounds);
                System.out.printf(Locale.ROOT, "direct to sshd        %8.1f MiB/s%n", d);
                System.out.printf(Locale.ROOT, "gateway, unrecorded   %8.1f MiB/s  (%.2f of direct)%n", u, u / d);
                System.out.printf(Locale.ROOT, "gateway, recorded     %8.1f MiB/s  (%.2f of direct)%n", r, r / d);
                System.out.printf(Locale.ROOT, "recording file        %8.1f MiB per session%n", recBytes / 1048576.0);
                System.out.printf(Locale.ROOT, "recorded/unrecorded   %8.3f  (goal >= 0.90: %s)%n", r / u, r / u >= 0.90 ? "met" : "NOT met");
            }
        }
    }

    private static RecordedSessions sessions(Path identity, Path knownHosts, Path recordings, AuditSink audit) throws IOException {
        Clock clock = Clock.systemUTC();
        return new RecordedSessions(new TargetConnector(TargetHostKeys.load(knownHosts, List.of(), clock),
                new IdentityKeyAuthenticator(TargetConnector.loadKey(identity)), Duration.ofSeconds(10)),
                new Recorder(recordings, new LocalDirectoryArchive(recordings), false, System::nanoTime),
                t -> SshdTarget.LOGIN, audit, clock, Duration.ofSeconds(10));
    }

    /** Seconds for one {@code ssh -T} run of {@code command}, output discarded. */
    private static double run(Path key, String host, int port, String user, String command) throws Exception {
        List<String> cmd = new ArrayList<>(Arrays.asList("ssh", "-F", "/dev/null", "-i", key.toString(), "-o", "IdentitiesOnly=yes",
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
                "-o", "LogLevel=ERROR", "-o", "Ciphers=aes128-gcm@openssh.com", "-T", "-p", String.valueOf(port),
                user + "@" + host, command));
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("ssh did not finish: " + cmd);
        }
        if (p.exitValue() != 0) throw new IllegalStateException("ssh exited " + p.exitValue() + ": " + cmd);
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(null);
        return s.get(s.size() / 2);
    }
}
