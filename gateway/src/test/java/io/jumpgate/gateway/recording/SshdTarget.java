package io.jumpgate.gateway.recording;

import io.jumpgate.testkit.FreePorts;
import io.jumpgate.testkit.Peers;
import io.jumpgate.testkit.Poll;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenSSH sshd as a target on its own 127.0.0.x address (probed port, retried on a bind race).
 * Login user {@code jgtest}; authorized keys and trusted user CAs in files this fixture owns.
 * (The ssh branch has a similar fixture; to be deduplicated when merging.)
 */
final class SshdTarget implements AutoCloseable {
    static final String LOGIN = "jgtest";

    final Path dir;
    final String host;
    final int port;
    private final Process process;

    private SshdTarget(Path dir, String host, int port, Process process) {
        this.dir = dir;
        this.host = host;
        this.port = port;
        this.process = process;
    }

    static void requirePeers() {
        Peers.requireExecutable("OpenSSH server", "/usr/sbin/sshd");
        Peers.requireExecutable("OpenSSH client", "ssh");
        Peers.require(userExists(LOGIN), "login user " + LOGIN + " (useradd -m -s /bin/bash jgtest; chpasswd)");
    }

    static boolean userExists(String name) {
        try {
            return Files.readAllLines(Path.of("/etc/passwd")).stream().anyMatch(l -> l.startsWith(name + ":"));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Starts sshd trusting {@code authorizedKeys} and, if not null, the user CA public key file {@code userCaPub}.
     * Its files live in a fresh 0755 directory under /tmp (sshd reads authorized_keys as the login user, who
     * cannot traverse a test's 0700 temp directory); {@link #close} removes it.
     */
    static SshdTarget start(List<String> authorizedKeys, Path userCaPub) throws Exception {
        return start(authorizedKeys, userCaPub, null);
    }

    /** As above; with {@code hostCa} (a private key file) the host key also gets a certificate for the target's address. */
    static SshdTarget start(List<String> authorizedKeys, Path userCaPub, Path hostCa) throws Exception {
        requirePeers();
        Path dir = Files.createTempDirectory("jumpgate-sshd-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(Path.of("/run/sshd"));
        Path hostKey = dir.resolve("host_key");
        if (!Files.exists(hostKey)) Keys.generate(hostKey, "target host key");
        Path ak = dir.resolve("authorized_keys");
        Files.write(ak, authorizedKeys);
        Files.setPosixFilePermissions(ak, PosixFilePermissions.fromString("rw-r--r--"));
        String host = FreePorts.nextLoopbackHost();
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = FreePorts.probe(host);
            Path config = dir.resolve("sshd_config");
            Path hostCert = dir.resolve("host_key-cert.pub");
            if (hostCa != null) {
                Files.deleteIfExists(hostCert);
                Keys.run("ssh-keygen", "-q", "-s", hostCa.toString(), "-I", "target " + host, "-h", "-n", host,
                        "-V", "-5m:+1h", hostKey + ".pub");
            }
            Files.writeString(config, String.join("\n",
                    "ListenAddress " + host + ":" + port,
                    "HostKey " + hostKey,
                    "PidFile " + dir.resolve("sshd.pid"),
                    "AuthorizedKeysFile " + ak,
                    userCaPub == null ? "" : "TrustedUserCAKeys " + userCaPub,
                    hostCa == null ? "" : "HostCertificate " + hostCert,
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "UsePAM no",
                    "StrictModes no",
                    "AcceptEnv LANG",
                    "PrintMotd no",
                    "PrintLastLog no",
                    "LogLevel VERBOSE",
                    ""));
            Path log = dir.resolve("sshd.log");
            Process p = new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", config.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                Poll.until(Duration.ofSeconds(10), "sshd on " + host + ":" + port, () -> {
                    if (!p.isAlive()) return true;
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(host, port), 200);
                        return true;
                    } catch (IOException e) {
                        return false;
                    }
                });
            } catch (AssertionError e) {
                p.destroyForcibly();
                throw e;
            }
            if (p.isAlive()) return new SshdTarget(dir, host, port, p);
            last = new IOException("sshd exited: " + Files.readString(log));
        }
        throw last;
    }

    /** The known_hosts line for this target's real host key. */
    String knownHostsLine() throws IOException {
        return "[" + host + "]:" + port + " " + Keys.publicLine(dir.resolve("host_key.pub"));
    }

    String log() {
        try {
            return Files.readString(dir.resolve("sshd.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
