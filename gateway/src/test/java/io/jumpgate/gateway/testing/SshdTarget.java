package io.jumpgate.gateway.testing;

import io.jumpgate.testkit.FreePorts;
import io.jumpgate.testkit.Peers;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenSSH server as a test target: {@code /usr/sbin/sshd -D} on a distinct 127.0.0.x address with a
 * probed port (retried if someone else takes it), its own ed25519 host key, the login user {@code jgtest}
 * (see the brief) with the given authorized keys, and the internal sftp server (for scp and sftp).
 */
public final class SshdTarget implements AutoCloseable {
    public static final String LOGIN_USER = "jgtest";

    private final Process process;
    private final String host;
    private final int port;
    private final String hostKeyLine;
    private final Path dir;

    private SshdTarget(Process process, String host, int port, String hostKeyLine, Path dir) {
        this.process = process;
        this.host = host;
        this.port = port;
        this.hostKeyLine = hostKeyLine;
        this.dir = dir;
    }

    /** Skips (or fails, when peers are required) unless sshd, ssh-keygen and the login user exist. */
    public static void requirePeers() {
        Peers.requireExecutable("OpenSSH server", "/usr/sbin/sshd");
        Peers.requireExecutable("ssh-keygen", "ssh-keygen");
        Peers.require(userExists(LOGIN_USER), "login user " + LOGIN_USER
                + " (useradd -m -s /bin/bash jgtest; echo 'jgtest:jgtest-Pass-2026' | chpasswd)");
    }

    public static boolean userExists(String name) {
        try {
            return Files.readAllLines(Path.of("/etc/passwd")).stream().anyMatch(l -> l.startsWith(name + ":"));
        } catch (IOException e) {
            return false;
        }
    }

    /** Starts sshd in {@code dir} (made readable for the login user) accepting {@code authorizedKeys}. */
    public static SshdTarget start(Path dir, List<String> authorizedKeys) throws IOException, InterruptedException {
        return start(dir, authorizedKeys, List.of(), null);
    }

    /**
     * As {@link #start(Path, List)}, with extra sshd_config lines ({@code sshdOptions}, e.g.
     * {@code TrustedUserCAKeys FILE} or {@code LogLevel VERBOSE}: they come first, so they win over the defaults)
     * and, when {@code hostCa} (a private key file) is not null, a host certificate it signs for the target's address.
     */
    public static SshdTarget start(Path dir, List<String> authorizedKeys, List<String> sshdOptions, Path hostCa)
            throws IOException, InterruptedException {
        requirePeers();
        Files.createDirectories(dir);
        Files.createDirectories(Path.of("/run/sshd"));
        openUp(dir);
        Path hostKey = dir.resolve("ssh_host_ed25519_key");
        ProcessResult.run(Duration.ofSeconds(20), Map.of(), null,
                List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "target", "-f", hostKey.toString()))
                .requireSuccess("ssh-keygen");
        Path keys = dir.resolve("authorized_keys");
        Files.write(keys, authorizedKeys);
        Files.setPosixFilePermissions(keys, PosixFilePermissions.fromString("rw-r--r--"));
        String host = FreePorts.nextLoopbackHost();
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = FreePorts.probe(host);
            Path config = dir.resolve("sshd_config");
            Path hostCert = dir.resolve("ssh_host_ed25519_key-cert.pub");
            if (hostCa != null) {
                Files.deleteIfExists(hostCert);
                ProcessResult.run(Duration.ofSeconds(20), Map.of(), null, List.of("ssh-keygen", "-q", "-s", hostCa.toString(),
                        "-I", "target " + host, "-h", "-n", host, "-V", "-5m:+1h", hostKey + ".pub"))
                        .requireSuccess("ssh-keygen -h");
            }
            Files.writeString(config, String.join("\n", sshdOptions) + "\n" + String.join("\n",
                    hostCa == null ? "" : "HostCertificate " + hostCert,
                    "ListenAddress " + host + ":" + port,
                    "HostKey " + hostKey,
                    "AuthorizedKeysFile " + keys,
                    "StrictModes no",
                    "UsePAM no",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "AllowUsers " + LOGIN_USER,
                    "PidFile none",
                    "Subsystem sftp internal-sftp",
                    "LogLevel ERROR",
                    ""));
            Process p = new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", config.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("sshd.log").toFile()).start();
            if (waitForBanner(p, host, port, Duration.ofSeconds(15))) {
                String pub = Files.readString(Path.of(hostKey + ".pub")).trim();
                String[] parts = pub.split(" ");
                return new SshdTarget(p, host, port, parts[0] + " " + parts[1], dir);
            }
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
            last = new IOException("sshd did not start on " + host + ":" + port + ": " + Files.readString(dir.resolve("sshd.log")));
        }
        throw last;
    }

    private static void openUp(Path dir) throws IOException {
        for (Path p = dir.toAbsolutePath(); p != null && !p.equals(Path.of("/tmp")) && !p.equals(p.getRoot()); p = p.getParent()) {
            try {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
            } catch (IOException ignored) {
                break;
            }
        }
    }

    private static boolean waitForBanner(Process p, String host, int port, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) return false;
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 1000);
                s.setSoTimeout(3000);
                InputStream in = s.getInputStream();
                byte[] b = in.readNBytes(8);
                if (new String(b, StandardCharsets.US_ASCII).startsWith("SSH-2.0")) return true;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        return false;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String loginUser() {
        return LOGIN_USER;
    }

    /** {@code ssh-ed25519 AAAA…} of the host key. */
    public String hostKeyLine() {
        return hostKeyLine;
    }

    public Path dir() {
        return dir;
    }

    /** What sshd logged so far (at the configured LogLevel, ERROR unless an option says otherwise). */
    public String log() {
        try {
            return Files.readString(dir.resolve("sshd.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        io.jumpgate.testkit.Processes.stop(process, java.time.Duration.ofSeconds(5));
    }
}
