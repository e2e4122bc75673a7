package io.jumpgate.gateway.recording;

import com.fasterxml.jackson.databind.JsonNode;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.gateway.Gateway;
import io.jumpgate.gateway.testing.FailingAuditSink;
import io.jumpgate.gateway.testing.GatewayFixture;
import io.jumpgate.gateway.testing.OpenSshClient;
import io.jumpgate.gateway.testing.SshdTarget;
import io.jumpgate.testkit.Poll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How recorded sessions end when something goes away early: the user while the gateway connects, the target
 * mid-session, the audit log at the start. Real OpenSSH client, real sshd target; a slow path to that sshd (a relay
 * on another 127.0.0.x that holds each connection {@link #DELAY_MS} before passing it on) makes "while connecting".
 */
class RecordedSessionEndsTest {
    @TempDir
    static Path tmp;
    static SshdTarget sshd;
    static OpenSshClient client;
    static Path identity;
    static Path alice;
    static Path knownHosts;
    static final String SLOW_HOST = "127.0.0.217";
    static final long DELAY_MS = 3_000;
    static ServerSocket slow;
    /** One permit per connection once the slow path's delay is over (it then passes the connection on to sshd). */
    static final Semaphore passed = new Semaphore(0);

    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void startTarget() throws Exception {
        SshdTarget.requirePeers();
        client = new OpenSshClient(tmp.resolve("client"));
        identity = client.newKey("gw_identity");
        alice = client.newKey("alice");
        sshd = SshdTarget.start(tmp.resolve("target"), List.of(OpenSshClient.publicLine(identity)),
                List.of("PrintMotd no", "PrintLastLog no"), null);
        knownHosts = Files.writeString(tmp.resolve("known_hosts"), "[" + sshd.host() + "]:" + sshd.port() + " "
                + sshd.hostKeyLine() + "\n" + "[" + SLOW_HOST + "]:" + sshd.port() + " " + sshd.hostKeyLine() + "\n");
        slow = new ServerSocket();
        slow.bind(new InetSocketAddress(SLOW_HOST, sshd.port()));
        Thread acceptor = new Thread(() -> {
            while (!slow.isClosed()) {
                try {
                    Socket s = slow.accept();
                    Thread t = new Thread(() -> slowly(s));
                    t.setDaemon(true);
                    t.start();
                } catch (Exception e) {
                    return;
                }
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private static void slowly(Socket s) {
        try {
            Thread.sleep(DELAY_MS);
            passed.release();
            Socket t = new Socket(sshd.host(), sshd.port());
            Thread up = new Thread(() -> pump(s, t));
            up.setDaemon(true);
            up.start();
            pump(t, s);
        } catch (Exception ignored) {
            // the test sees the effect
        }
    }

    private static void pump(Socket from, Socket to) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            in.transferTo(out);
        } catch (Exception ignored) {
            // either side closed
        } finally {
            try {
                from.close();
                to.close();
            } catch (Exception ignored) {
                // closed already
            }
        }
    }

    @AfterAll
    static void stopTarget() throws Exception {
        if (slow != null) slow.close();
        if (sshd != null) sshd.close();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
    }

    private record Gw(GatewayFixture fixture, String alias) {}

    private Gw gateway(String targetHost, Consumer<Gateway.Builder> customize) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "gw");
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
                  - {name: ops, targets: [web_*], ports: [%d], recording: required}
                users:
                  - {name: alice, roles: [ops], authorizedKeys: ["%s"]}
                sessions:
                  port: %d
                  login: {default: %s}
                  identityKey: %s
                  knownHosts: %s
                  connectTimeout: 20s
                """.formatted(dir, targetHost, sshd.port(), OpenSshClient.publicLine(alice), sshd.port(), sshd.loginUser(),
                identity, knownHosts);
        GatewayFixture gw = GatewayFixture.startWith(dir, yaml, customize);
        open.add(gw);
        String alias = "gw-" + gw.port();
        client.knownHost("127.0.0.1", gw.port(), gw.hostKeyLine())
                .host(alias, "HostName 127.0.0.1", "Port " + gw.port(), "User alice", "IdentityFile " + alice);
        return new Gw(gw, alias);
    }

    private Process user(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ssh", "-F", client.config().toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    @Test
    void aUserWhoGoesAwayWhileTheGatewayConnectsDoesNotGetTheirCommandRun() throws Exception {
        Gw gw = gateway(SLOW_HOST, b -> { });
        Path marker = tmp.resolve("ran-" + System.nanoTime());
        passed.drainPermits();
        Process u = user("-T", gw.alias(), "web_0", "touch " + marker);
        gw.fixture().awaitAudit("command.executed", e -> true); // audited just before the gateway connects
        u.destroyForcibly(); // Ctrl-C, a dropped laptop: while the connect is under way
        assertTrue(u.waitFor(10, TimeUnit.SECONDS));
        JsonNode closed = gw.fixture().awaitAudit("session.closed", e -> e.path("fields").path("kind").asText().equals("recorded"));
        assertEquals("user_left", closed.path("code").asText(), closed.toString());
        // The slow path is done with that connection (its delay is over); had the gateway gone on, the command would
        // run within moments of it.
        assertTrue(passed.tryAcquire(DELAY_MS + 10_000, TimeUnit.MILLISECONDS), "the slow path finished");
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (System.nanoTime() < until) {
            assertFalse(Files.exists(marker), "the command ran on the target after its user had gone");
            Thread.sleep(100);
        }
    }

    @Test
    void aResizeWhileTheGatewayConnectsReachesTheTarget() throws Exception {
        Gw gw = gateway(SLOW_HOST, b -> { });
        String socket = "jg-ends-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try {
            RecordedSessionTest.tmux(socket, "new-session", "-d", "-s", "t", "-x", "100", "-y", "30",
                    "ssh -F " + client.config() + " -tt " + gw.alias() + " web_0");
            gw.fixture().awaitAudit("command.executed", e -> true);
            RecordedSessionTest.tmux(socket, "resize-window", "-t", "t", "-x", "120", "-y", "40");
            Poll.until(Duration.ofSeconds(20), "a shell prompt from the target",
                    () -> RecordedSessionTest.tmux(socket, "capture-pane", "-p", "-t", "t").contains("$"));
            RecordedSessionTest.tmux(socket, "send-keys", "-t", "t", "echo SIZE=$(stty size)", "Enter");
            Poll.until(Duration.ofSeconds(10), "stty's answer",
                    () -> RecordedSessionTest.tmux(socket, "capture-pane", "-p", "-t", "t").matches("(?s).*SIZE=\\d+ \\d+.*"));
            String pane = RecordedSessionTest.tmux(socket, "capture-pane", "-p", "-t", "t");
            assertTrue(pane.contains("SIZE=40 120"), "the target's pty has the size the user's terminal has: " + pane);
        } finally {
            new ProcessBuilder("tmux", "-L", socket, "kill-server").start().waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aSessionWhoseStartCannotBeAuditedEndsAtOnceInsteadOfHanging() throws Exception {
        FailingAuditSink sink = new FailingAuditSink(AuditType.COMMAND_EXECUTED);
        Gw gw = gateway(sshd.host(), b -> b.audit(sink));
        Process u = user("-T", gw.alias(), "web_0", "echo x");
        u.getOutputStream().close();
        boolean ended = u.waitFor(30, TimeUnit.SECONDS);
        if (!ended) u.destroyForcibly();
        assertTrue(ended, "the user's ssh still waits 30 s later");
        String said = new String(u.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(RecordedSession.GATEWAY_ERROR, u.exitValue(), said);
        assertTrue(said.contains("cannot be audited"), said);
        assertFalse(said.contains("x\n"), "nothing ran: " + said);
        assertEquals(1, sink.ok.matching(e -> e.type() == AuditType.RECORDING_FINISHED).size(),
                "the recording that was started is closed and hashed");
    }

    @Test
    void aLostTargetConnectionIsToldAndAuditedAsLost() throws Exception {
        Gw gw = gateway(sshd.host(), b -> { });
        Process u = user("-T", gw.alias(), "web_0", "echo started; sleep 0.5; kill -9 $PPID; sleep 5");
        u.getOutputStream().close();
        assertTrue(u.waitFor(30, TimeUnit.SECONDS));
        String said = new String(u.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        JsonNode closed = gw.fixture().awaitAudit("session.closed", e -> e.path("fields").path("kind").asText().equals("recorded"));
        assertEquals("target_lost", closed.path("code").asText(), closed.toString());
        assertEquals("failure", closed.path("outcome").asText());
        assertEquals(RecordedSession.GATEWAY_ERROR, u.exitValue(), said);
        assertTrue(said.contains("jumpgate: the connection to web_0 was lost"), said);
    }
}
