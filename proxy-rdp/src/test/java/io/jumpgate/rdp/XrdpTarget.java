package io.jumpgate.rdp;

import io.jumpgate.testkit.FreePorts;
import io.jumpgate.testkit.Peers;
import io.jumpgate.testkit.Poll;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A real xrdp + xrdp-sesman on a 127.0.0.x address, each started from its own ini files in a temp dir
 * (logs there too, no syslog). xrdp listens on {@code tcp://host:probed-port}; sesman must listen where
 * /etc/xrdp/sesman.ini says, because xrdp 0.9 reads sesman's port from there whatever {@code --config} says.
 * Policy=UBDC makes every connection a new session (so each login logs "Session started successfully").
 * Closing stops both, the sessions sesman started, and processes the test user gained meanwhile.
 */
final class XrdpTarget implements AutoCloseable {
    static final String USER = "jgtest";
    static final String PASSWORD = "jgtest-Pass-2026";
    static final String SESSION_STARTED = "Session started successfully";

    final String host;
    final int port;
    final Path dir;
    final Path sesmanLog;
    private final List<Process> processes = new ArrayList<>();
    private final Set<Long> userPidsBefore;

    static boolean userExists(String name) {
        try {
            return Files.readAllLines(Path.of("/etc/passwd")).stream().anyMatch(l -> l.startsWith(name + ":"));
        } catch (IOException e) {
            return false;
        }
    }

    static XrdpTarget start(String host) throws Exception {
        Path xrdp = Peers.requireExecutable("xrdp", "/usr/sbin/xrdp");
        Path sesman = Peers.requireExecutable("xrdp-sesman", "/usr/sbin/xrdp-sesman");
        Peers.require(userExists(USER), "login user " + USER + " (useradd -m " + USER + "; chpasswd)");
        Peers.require(Files.isReadable(Path.of("/etc/xrdp/xrdp.ini")) && Files.isReadable(Path.of("/etc/xrdp/sesman.ini")),
                "xrdp config in /etc/xrdp");
        return new XrdpTarget(host, xrdp, sesman);
    }

    private XrdpTarget(String host, Path xrdp, Path sesman) throws Exception {
        this.host = host;
        this.userPidsBefore = userPids();
        dir = Files.createTempDirectory("jumpgate-xrdp");
        sesmanLog = dir.resolve("sesman.log");
        Path sockdir = Path.of("/run/xrdp/sockdir");
        if (!Files.isDirectory(sockdir)) {
            Files.createDirectories(sockdir);
            new ProcessBuilder("chmod", "1777", sockdir.toString()).start().waitFor(); // sticky, as the package makes it
        }
        try {
            Path sesmanIni = dir.resolve("sesman.ini");
            Files.writeString(sesmanIni, rewrite("/etc/xrdp/sesman.ini", "LogFile=" + sesmanLog, "EnableSyslog=false",
                    "KillDisconnected=true", "Policy=UBDC"));
            Process s = launch(List.of(sesman.toString(), "--nodaemon", "--config", sesmanIni.toString()), "sesman.out");
            int sesmanPort = iniValue("/etc/xrdp/sesman.ini", "ListenPort", 3350);
            Poll.until(Duration.ofSeconds(15), "xrdp-sesman listening on " + sesmanPort,
                    () -> s.isAlive() && (listening("127.0.0.1", sesmanPort) || listening("::1", sesmanPort)));
            this.port = startXrdp(xrdp);
        } catch (Throwable t) {
            close();
            throw t;
        }
    }

    /** Probes a port for xrdp and retries when someone else took it meanwhile. */
    private int startXrdp(Path xrdp) throws Exception {
        for (int attempt = 1; ; attempt++) {
            int p = FreePorts.probe(host);
            Path ini = dir.resolve("xrdp.ini");
            Files.writeString(ini, rewrite("/etc/xrdp/xrdp.ini", "port=tcp://" + host + ":" + p,
                    "LogFile=" + dir.resolve("xrdp.log"), "EnableSyslog=false"));
            Process x = launch(List.of(xrdp.toString(), "--nodaemon", "--config", ini.toString()), "xrdp.out");
            Poll.until(Duration.ofSeconds(15), "xrdp listening or exited", () -> !x.isAlive() || listening(host, p));
            if (x.isAlive()) return p;
            if (attempt == 5) throw new IllegalStateException("xrdp would not start: " + Files.readString(dir.resolve("xrdp.out")));
        }
    }

    /** The ini file with its first {@code key=} line of each replacement's key replaced (the [Globals] one). */
    private static String rewrite(String file, String... replacements) throws IOException {
        List<String> out = new ArrayList<>(Files.readAllLines(Path.of(file)));
        for (String r : replacements) {
            String key = r.substring(0, r.indexOf('=') + 1);
            for (int i = 0; i < out.size(); i++) {
                if (out.get(i).startsWith(key)) {
                    out.set(i, r);
                    break;
                }
            }
        }
        return String.join("\n", out) + "\n";
    }

    private static int iniValue(String file, String key, int fallback) throws IOException {
        return Files.readAllLines(Path.of(file)).stream().filter(l -> l.startsWith(key + "="))
                .map(l -> Integer.parseInt(l.substring(key.length() + 1).trim())).findFirst().orElse(fallback);
    }

    private Process launch(List<String> command, String output) throws IOException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve(output).toFile()).start();
        processes.add(p);
        return p;
    }

    static boolean listening(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** How many desktop sessions sesman has started (a real login, not just a TLS handshake). */
    long sessionsStarted() {
        try {
            return Files.exists(sesmanLog) ? Files.readAllLines(sesmanLog, StandardCharsets.UTF_8).stream()
                    .filter(l -> l.contains(SESSION_STARTED) && l.contains(USER)).count() : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static Set<Long> userPids() {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().user().map(USER::equals).orElse(false))
                .map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) p.destroyForcibly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // what the desktop session left behind (ssh-agent, dbus...): only processes of the test user that are new
        ProcessHandle.allProcesses().filter(p -> p.info().user().map(USER::equals).orElse(false))
                .filter(p -> !userPidsBefore.contains(p.pid())).forEach(ProcessHandle::destroy);
    }
}
