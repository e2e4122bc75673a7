package io.jumpgate.gateway.jit;

import com.fasterxml.jackson.databind.JsonNode;
import io.jumpgate.gateway.testing.GatewayFixture;
import io.jumpgate.gateway.testing.OpenSshClient;
import io.jumpgate.gateway.testing.ProcessResult;
import io.jumpgate.testkit.FreePorts;
import io.jumpgate.testkit.Poll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Acceptance of "Just-in-time access" for RDP through the real gateway: a named {@code rdp:} mapping decoding
 * the X.224 Connection Request, a plain Java server on a 127.0.0.x address standing for the Windows target and
 * recording what reaches it, Java clients bound to distinct 127.0.0.y sources, and grants requested with the real
 * OpenSSH client ({@code ssh gw jit request}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JitRdpAcceptanceTest {
    Path dir;
    OpenSshClient client;
    RecordingTarget target;
    GatewayFixture gw;
    int rdpPort;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        dir = tmp;
        client = new OpenSshClient(dir.resolve("client"));
        Path alice = client.newKey("alice");
        Path bob = client.newKey("bob");
        target = new RecordingTarget(FreePorts.nextLoopbackHost());
        IOException last = null;
        // Named mappings need a fixed port: probe one and retry if someone takes it before the relay binds.
        for (int attempt = 0; attempt < 5 && gw == null; attempt++) {
            int port = FreePorts.probe("127.0.0.1");
            try {
                gw = GatewayFixture.start(dir.resolve("gw"), """
                        ssh:
                          listen: 127.0.0.1:0
                        rdp:
                          listen: 127.0.0.1
                          mappings:
                            - {name: win-rdp, port: %d, target: win_0, backendPort: %d}
                        limits:
                          allowLoopbackTargets: true
                          terminateOnExpiry: true
                        grants:
                          pollInterval: 200ms
                        inventory:
                          static:
                            - {name: win_0, address: %s}
                        roles:
                          - {name: rdpops, targets: [win_*], ports: [%d], jit: {required: true, maxDuration: 1h, allowFrom: true}}
                          - {name: rdpdev, targets: [win_*], ports: [%d], jit: {required: true, maxDuration: 1h}}
                        users:
                          - {name: alice, roles: [rdpops], authorizedKeys: ["%s"]}
                          - {name: bob, roles: [rdpdev], authorizedKeys: ["%s"]}
                        """.formatted(port, target.port(), target.host(), target.port(), target.port(),
                        OpenSshClient.publicLine(alice), OpenSshClient.publicLine(bob)));
                rdpPort = port;
            } catch (IOException e) {
                last = e;
            }
        }
        if (gw == null) throw last;
        assertEquals(List.of(rdpPort), gw.gateway().rdpPorts());
        client.knownHost("127.0.0.1", gw.port(), gw.hostKeyLine())
                .host("gw-alice", "HostName 127.0.0.1", "Port " + gw.port(), "User alice", "IdentityFile " + alice)
                .host("gw-bob", "HostName 127.0.0.1", "Port " + gw.port(), "User bob", "IdentityFile " + bob);
    }

    @AfterAll
    void stop() throws Exception {
        if (gw != null) gw.close();
        if (target != null) target.close();
    }

    @Test
    void refusedWithoutAGrantAndAdmittedFromTheGrantsFromBlock() throws Exception {
        String source = FreePorts.nextLoopbackHost();
        assertRefused(source);

        JsonNode g = JitSshAcceptanceTest.request(client, "gw-alice", "win_0", "--port", String.valueOf(target.port()),
                "--for", "10m", "--from", source + "/32", "--reason", "INC-2");
        assertEquals("active", g.path("state").asText(), g.toString());
        assertEquals(source + "/32", g.path("from").asText());

        assertAdmitted(source, g.path("id").asText());
        assertRefused(FreePorts.nextLoopbackHost()); // the grant is bound to its source block only
    }

    @Test
    void aGrantRequestedFromTheSameAddressAdmitsThatAddress() throws Exception {
        String source = FreePorts.nextLoopbackHost();
        assertRefused(source);

        ProcessResult from = client.run("ssh", "-o", "BindAddress=" + source, "gw-bob", "jit", "request", "win_0",
                "--port", String.valueOf(target.port()), "--for", "10m", "--from", source + "/32");
        assertEquals(1, from.exit(), from.toString());
        assertTrue(from.err().contains("does not allow --from"), from.err());

        ProcessResult own = client.run("ssh", "-o", "BindAddress=" + source, "gw-bob", "jit", "request", "win_0",
                "--port", String.valueOf(target.port()), "--for", "10m", "--json").requireSuccess("jit request");
        JsonNode g = JitSshAcceptanceTest.JSON.readTree(own.out());
        assertEquals(source + "/32", g.path("from").asText(), g.toString());
        assertAdmitted(source, g.path("id").asText());
    }

    @Test
    void withTerminateOnExpiryAnEstablishedRelayEndsWhenItsGrantExpires() throws Exception {
        String source = FreePorts.nextLoopbackHost();
        String id = JitSshAcceptanceTest.request(client, "gw-alice", "win_0", "--port", String.valueOf(target.port()),
                "--for", "3s", "--from", source + "/32").path("id").asText();
        try (Socket s = connectFrom(source)) {
            int before = target.connections.size();
            s.getOutputStream().write(connectionRequest("jgtest"));
            Poll.until(Duration.ofSeconds(10), "the relay reaching the target", () -> target.connections.size() > before);
            gw.awaitAudit("grant.expired", JitSshAcceptanceTest.grant(id));
            assertEquals(-1, readOrEof(s.getInputStream()), "the relay should end at the grant's expiry");
        }
        JsonNode closed = gw.awaitAudit("rdp.closed", e -> e.path("source").asText().startsWith(source + ":"));
        assertEquals("grant_ended", closed.path("code").asText(), closed.toString());
        assertRefused(source);
    }

    /** The relay closes the client without connecting to the target, and audits {@code rdp.denied}. */
    void assertRefused(String source) throws Exception {
        int accepted = target.connections.size();
        try (Socket s = connectFrom(source)) {
            s.getOutputStream().write(connectionRequest("jgtest"));
            assertEquals(-1, readOrEof(s.getInputStream()), "the relay should close a refused connection");
        }
        JsonNode denied = gw.awaitAudit("rdp.denied", e -> e.path("source").asText().startsWith(source + ":"));
        assertEquals("source_not_admitted", denied.path("code").asText(), denied.toString());
        assertEquals("win_0", denied.path("target").path("name").asText());
        assertEquals(accepted, target.connections.size(), "nothing may reach the target");
    }

    /** The relay passes the connection request and what follows byte for byte; audited with the grant. */
    void assertAdmitted(String source, String grantId) throws Exception {
        byte[] request = connectionRequest("jgtest");
        byte[] after = "after-the-preamble".getBytes(StandardCharsets.US_ASCII);
        byte[] expected = Arrays.copyOf(request, request.length + after.length);
        System.arraycopy(after, 0, expected, request.length, after.length);
        int before = target.connections.size();
        try (Socket s = connectFrom(source)) {
            s.getOutputStream().write(request);
            s.getOutputStream().write(after);
            s.getOutputStream().flush();
            ByteArrayOutputStream got = Poll.value(Duration.ofSeconds(10), "the target receiving the relayed bytes",
                    () -> target.connections.size() > before
                            && target.connections.get(before).size() >= expected.length ? target.connections.get(before) : null);
            assertArrayEquals(expected, got.toByteArray());
        }
        JsonNode admitted = gw.awaitAudit("rdp.admitted", e -> e.path("source").asText().startsWith(source + ":"));
        assertEquals(grantId, admitted.path("fields").path("grant_id").asText(), admitted.toString());
    }

    /** A client socket from {@code source} to the relay's mapped port. */
    Socket connectFrom(String source) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
        s.connect(new InetSocketAddress("127.0.0.1", rdpPort), 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    /** TPKT + X.224 Connection Request with a cookie and an RDP_NEG_REQ for TLS, as mstsc sends it. */
    static byte[] connectionRequest(String user) {
        byte[] cookie = ("Cookie: mstshash=" + user + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] neg = {1, 0, 8, 0, 1, 0, 0, 0};
        int length = 4 + 7 + cookie.length + neg.length;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {3, 0, (byte) (length >> 8), (byte) length, (byte) (length - 5), (byte) 0xe0, 0, 0, 0, 0, 0});
        out.writeBytes(cookie);
        out.writeBytes(neg);
        return out.toByteArray();
    }

    static int readOrEof(InputStream in) throws IOException {
        try {
            return in.read();
        } catch (java.net.SocketException reset) {
            return -1;
        }
    }

    /** Stands for the Windows target: accepts on a 127.0.0.x address and records each connection's bytes. */
    static final class RecordingTarget implements AutoCloseable {
        final ServerSocket server;
        final List<ByteArrayOutputStream> connections = new CopyOnWriteArrayList<>();
        final List<Socket> sockets = new CopyOnWriteArrayList<>();

        RecordingTarget(String host) throws IOException {
            server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
            Thread t = new Thread(this::acceptLoop, "rdp-target");
            t.setDaemon(true);
            t.start();
        }

        private void acceptLoop() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    sockets.add(s);
                    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                    connections.add(bytes);
                    Thread r = new Thread(() -> {
                        try (InputStream in = s.getInputStream()) {
                            byte[] buf = new byte[4096];
                            for (int n; (n = in.read(buf)) >= 0; ) bytes.write(buf, 0, n);
                        } catch (IOException ignored) {
                            // closed
                        }
                    }, "rdp-target-read");
                    r.setDaemon(true);
                    r.start();
                } catch (IOException closed) {
                    return;
                }
            }
        }

        String host() {
            return server.getInetAddress().getHostAddress();
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) s.close();
        }
    }
}
