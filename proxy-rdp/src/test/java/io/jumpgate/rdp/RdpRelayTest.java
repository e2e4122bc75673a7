package io.jumpgate.rdp;

import io.jumpgate.core.audit.AuditEvent;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.Outcome;
import io.jumpgate.core.policy.TargetSelector;
import io.jumpgate.core.target.PowerState;
import io.jumpgate.core.target.Target;
import io.jumpgate.core.util.IpLiterals;
import io.jumpgate.testkit.FreePorts;
import io.jumpgate.testkit.Poll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RdpRelayTest {
    static final Duration WAIT = Duration.ofSeconds(10);
    static final byte[] REQUEST = Preambles.connectionRequest("alice", RdpPreamble.PROTOCOL_SSL);
    static final byte[] PAYLOAD = "tls-client-hello-and-more".getBytes(StandardCharsets.US_ASCII);

    static byte[] readExactly(Socket s, int n) throws IOException {
        return s.getInputStream().readNBytes(n);
    }

    /** True once the relay has closed the client's connection (EOF or reset). */
    static boolean closedByRelay(Socket s) {
        try {
            return s.getInputStream().read() < 0;
        } catch (IOException e) {
            return true;
        }
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void admittedSourceReachesTargetAndRefusedSourceSendsItNothing() throws Exception {
        String ip = FreePorts.nextLoopbackHost();
        String admitted = FreePorts.nextLoopbackHost();
        String refused = FreePorts.nextLoopbackHost();
        try (RecordingTarget target = new RecordingTarget(ip, 0, true);
             RelayHarness h = new RelayHarness(RelayHarness.options(),
                     List.of(new PortMapping.Named("vm0-rdp", 0, "vm0", target.port(), false)),
                     List.of(RelayHarness.target("vm0", ip)), Set.of(target.port()), admitted + "/32")) {
            try (Socket bad = h.connect(0, refused)) {
                bad.getOutputStream().write(REQUEST);
                assertTrue(closedByRelay(bad));
            }
            AuditEvent denied = h.awaitEvent(AuditType.RDP_DENIED);
            assertEquals("source_not_admitted", denied.code());
            assertEquals(h.ports.get(0), denied.fields().get("frontend_port"));
            assertTrue(denied.source().startsWith(refused + ":"));
            assertEquals("vm0", denied.target().name());
            assertEquals(0, target.connections.size(), "nothing reached the target");

            byte[] sent = concat(REQUEST, PAYLOAD);
            try (Socket good = h.connect(0, admitted)) {
                good.getOutputStream().write(sent);
                assertArrayEquals(sent, readExactly(good, sent.length), "echoed through the relay");
            }
            assertArrayEquals(sent, target.connections.get(0).bytes(), "target got the exact preamble and payload");
            AuditEvent preamble = h.awaitEvent(AuditType.RDP_PREAMBLE);
            assertEquals("alice", preamble.fields().get("mstshash"));
            assertEquals(List.of("TLS"), preamble.fields().get("requested_protocols"));
            assertEquals(null, preamble.user(), "the cookie is never taken as identity");
            AuditEvent closed = h.awaitEvent(AuditType.RDP_CLOSED);
            assertEquals((long) sent.length, closed.fields().get("bytes_from_client"));
            assertEquals((long) sent.length, closed.fields().get("bytes_to_client"));
            assertTrue(closed.fields().containsKey("duration_ms"));
        }
    }

    @Test
    void natPoolFollowsTheInventoryWithoutRestart() throws Exception {
        String ip0 = FreePorts.nextLoopbackHost();
        String ip1 = FreePorts.nextLoopbackHost();
        try (TwoTargets t = new TwoTargets(ip0, ip1)) {
            int start = -1;
            RelayHarness h = null;
            IllegalStateException last = null;
            for (int attempt = 0; attempt < 20 && h == null; attempt++) {
                start = FreePorts.probeRange("127.0.0.1", 2);
                try {
                    h = new RelayHarness(RelayHarness.options(),
                            List.of(new PortMapping.NatPool("pool", start, start + 1, t.port, TargetSelector.globs("vmss_*"), false)),
                            List.of(RelayHarness.target("vmss_1", ip1), RelayHarness.target("vmss_0", ip0)), Set.of(t.port), "127.0.0.0/8");
                } catch (IllegalStateException busy) {
                    last = busy; // another process holds start or start+1: probe again
                }
            }
            assertTrue(h != null, "could bind two consecutive ports: " + last);
            try (RelayHarness relay = h) {
                assertEquals(List.of(start, start + 1), relay.ports);
                Socket toVm1 = relay.connect(1, "127.0.0.2");
                toVm1.getOutputStream().write(REQUEST);
                Poll.until(WAIT, "vmss_1 reached on pool port 1", () -> t.b.connections.size() == 1);
                try (Socket toVm0 = relay.connect(0, "127.0.0.2")) {
                    toVm0.getOutputStream().write(REQUEST);
                    Poll.until(WAIT, "vmss_0 reached on pool port 0", () -> t.a.connections.size() == 1);
                }

                relay.setTargets(List.of(RelayHarness.target("vmss_0", ip0)));
                try (Socket again = relay.connect(1, "127.0.0.2")) {
                    assertTrue(closedByRelay(again), "port of the removed instance refuses new connections");
                }
                Poll.until(WAIT, "refusal audited", () -> relay.events(AuditType.RDP_DENIED).stream()
                        .anyMatch(e -> e.code().equals("unknown_target")));
                toVm1.getOutputStream().write(PAYLOAD);
                byte[] echoed = readExactly(toVm1, REQUEST.length + PAYLOAD.length);
                assertArrayEquals(concat(REQUEST, PAYLOAD), echoed, "established relay to the removed instance continues");
                toVm1.close();
                assertEquals(1, t.b.connections.size());
            }
        }
    }

    /** Scale-set instance {@code id} at {@code ip}, as the Azure inventory gives it. */
    private static Target instance(int id, String ip) {
        return new Target("vmss_" + id, List.of(), IpLiterals.require(ip), Map.of(), String.valueOf(id), PowerState.RUNNING,
                "azure:rg/vmss");
    }

    /** Scale-in of the first instance: its port refuses, and the second instance's port still reaches the second. */
    @Test
    void aNatPoolPortIsNotHandedToAnotherInstanceOnScaleIn() throws Exception {
        String ip0 = FreePorts.nextLoopbackHost();
        String ip1 = FreePorts.nextLoopbackHost();
        try (TwoTargets t = new TwoTargets(ip0, ip1)) {
            RelayHarness h = null;
            for (int attempt = 0; attempt < 20 && h == null; attempt++) {
                int start = FreePorts.probeRange("127.0.0.1", 2);
                try {
                    h = new RelayHarness(RelayHarness.options(),
                            List.of(new PortMapping.NatPool("pool", start, start + 1, t.port, TargetSelector.globs("vmss_*"), false)),
                            List.of(instance(0, ip0), instance(1, ip1)), Set.of(t.port), "127.0.0.0/8");
                } catch (IllegalStateException busy) {
                    // another process holds start or start+1: probe again
                }
            }
            assertTrue(h != null, "could bind two consecutive ports");
            try (RelayHarness relay = h) {
                try (Socket toVm0 = relay.connect(0, "127.0.0.2")) {
                    toVm0.getOutputStream().write(REQUEST);
                    Poll.until(WAIT, "vmss_0 reached on pool port 0", () -> t.a.connections.size() == 1);
                }
                relay.setTargets(List.of(instance(1, ip1)));
                try (Socket again = relay.connect(0, "127.0.0.2")) {
                    try {
                        again.getOutputStream().write(REQUEST); // a preamble a relay would pass on, were it admitted
                    } catch (IOException alreadyClosed) {
                        // refused before reading
                    }
                    assertTrue(closedByRelay(again), "the removed instance's port refuses: it is not handed to vmss_1");
                }
                assertEquals(0, t.b.connections.size(), "vmss_1 was not reached through the removed instance's port");
                try (Socket toVm1 = relay.connect(1, "127.0.0.2")) {
                    toVm1.getOutputStream().write(REQUEST);
                    Poll.until(WAIT, "vmss_1 still reached on pool port 1", () -> t.b.connections.size() == 1);
                }
                assertEquals(1, t.a.connections.size(), "nothing more reached the removed instance's address");
            }
        }
    }

    /** Two echo targets on different addresses and the same port (as scale-set instances are). */
    static final class TwoTargets implements AutoCloseable {
        RecordingTarget a;
        RecordingTarget b;
        int port;

        TwoTargets(String ip0, String ip1) throws IOException {
            for (int attempt = 0; attempt < 20 && b == null; attempt++) {
                a = new RecordingTarget(ip0, 0, true);
                try {
                    b = new RecordingTarget(ip1, a.port(), true);
                } catch (IOException busy) {
                    a.close();
                }
            }
            port = a.port();
        }

        @Override
        public void close() throws IOException {
            a.close();
            b.close();
        }
    }

    @Test
    void targetRefusingIsAuditedAndClientClosed() throws Exception {
        String ip = FreePorts.nextLoopbackHost();
        int closedPort = FreePorts.probe(ip);
        try (RelayHarness h = new RelayHarness(RelayHarness.options(),
                List.of(new PortMapping.Named("down", 0, "vm", closedPort, false)),
                List.of(RelayHarness.target("vm", ip)), Set.of(closedPort), "127.0.0.0/8");
             Socket c = h.connect(0, "127.0.0.2")) {
            c.getOutputStream().write(REQUEST);
            assertTrue(closedByRelay(c));
            AuditEvent closed = h.awaitEvent(AuditType.RDP_CLOSED);
            assertEquals("connect_refused", closed.code());
            assertEquals(Outcome.FAILURE, closed.outcome());
        }
    }

    /** Fills the accept queue of a listener (backlog 1) that never accepts: later connects hang until timeout. */
    private static List<Socket> fillBacklog(ServerSocket stuck) {
        List<Socket> fillers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Socket f = new Socket();
            try {
                f.connect(new InetSocketAddress(stuck.getInetAddress(), stuck.getLocalPort()), 300);
            } catch (IOException full) {
                // the queue is full: later SYNs are dropped
            }
            fillers.add(f);
        }
        return fillers;
    }

    @Test
    void targetDownTimesOutTheConnectAndIsAudited() throws Exception {
        String ip = FreePorts.nextLoopbackHost();
        // A target that never completes handshakes: listen backlog 1, never accept, queue filled by two sockets.
        try (ServerSocket stuck = new ServerSocket(0, 1, InetAddress.getByName(ip))) {
            List<Socket> fillers = fillBacklog(stuck);
            RdpRelayOptions o = RelayHarness.options();
            RdpRelayOptions fast = new RdpRelayOptions(o.listenAddress(), o.preambleTimeout(), o.preambleMaxBytes(),
                    Duration.ofMillis(500), o.idleTimeout(), null, o.drainTimeout());
            try (RelayHarness h = new RelayHarness(fast, List.of(new PortMapping.Named("stuck", 0, "vm", stuck.getLocalPort(), false)),
                    List.of(RelayHarness.target("vm", ip)), Set.of(stuck.getLocalPort()), "127.0.0.0/8");
                 Socket c = h.connect(0, "127.0.0.2")) {
                c.getOutputStream().write(REQUEST);
                assertTrue(closedByRelay(c));
                assertEquals("connect_timeout", h.awaitEvent(AuditType.RDP_CLOSED).code());
            } finally {
                for (Socket f : fillers) f.close();
            }
        }
    }

    @Test
    void whileTheTargetConnectHangsOnlyTwoClientReadsAreHeld() throws Exception {
        String ip = FreePorts.nextLoopbackHost();
        try (ServerSocket stuck = new ServerSocket(0, 1, InetAddress.getByName(ip))) {
            List<Socket> fillers = fillBacklog(stuck);
            RdpRelayOptions o = RelayHarness.options();
            RdpRelayOptions slow = new RdpRelayOptions(o.listenAddress(), o.preambleTimeout(), o.preambleMaxBytes(),
                    Duration.ofSeconds(4), o.idleTimeout(), null, o.drainTimeout());
            // Raw: the relay reads the client while it connects (to keep read interest armed), at most
            // MAX_BEFORE_CONNECT reads; then the client is held back by TCP.
            try (RelayHarness h = new RelayHarness(slow, List.of(new PortMapping.Named("stuck", 0, "vm", stuck.getLocalPort(), true)),
                    List.of(RelayHarness.target("vm", ip)), Set.of(stuck.getLocalPort()), "127.0.0.0/8");
                 Socket c = h.connect(0, "127.0.0.2")) {
                c.setSendBufferSize(64 * 1024); // fixed: no autotuning of the client's own buffer
                java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
                Thread writer = new Thread(() -> {
                    byte[] chunk = new byte[64 * 1024];
                    try {
                        for (int i = 0; i < 512; i++) { // 32 MiB at most
                            c.getOutputStream().write(chunk);
                            written.addAndGet(chunk.length);
                        }
                    } catch (IOException closed) {
                        // the relay gave up on the target and closed
                    }
                });
                writer.setDaemon(true);
                writer.start();
                // Until the client is held back: no progress for 300 ms (bounded by the 4 s connect timeout).
                long last = -1;
                long deadline = System.nanoTime() + 3_000_000_000L;
                while (System.nanoTime() < deadline && written.get() != last) {
                    last = written.get();
                    Thread.sleep(300);
                }
                long held = written.get();
                System.out.printf("client bytes taken while the target connect hangs: %d%n", held);
                // Client send buffer (64 KiB, doubled by the kernel) + the relay's receive buffer (1 MiB, doubled) +
                // two reads; unbounded reading would take all 32 MiB.
                assertTrue(held < 4 * 1024 * 1024, held + " bytes taken from the client while connecting");
                assertEquals("connect_timeout", h.awaitEvent(AuditType.RDP_CLOSED).code());
                writer.join(5_000);
            } finally {
                for (Socket f : fillers) f.close();
            }
        }
    }

    @Test
    void clientVanishingMidStreamClosesTheTargetSideAndIsAudited() throws Exception {
        String ip = FreePorts.nextLoopbackHost();
        try (RecordingTarget target = new RecordingTarget(ip, 0, false);
             RelayHarness h = new RelayHarness(RelayHarness.options(),
                     List.of(new PortMapping.Named("vm", 0, "vm", target.port(), false)),
                     List.of(RelayHarness.target("vm", ip)), Set.of(target.port()), "127.0.0.0/8")) {
            Socket c = h.connect(0, "127.0.0.2");
            c.getOutputStream().write(concat(REQUEST, PAYLOAD));
            Poll.until(WAIT, "payload at the target", () -> target.connections.size() == 1
                    && target.connections.get(0).bytes().length == REQUEST.length + PAYLOAD.length);
            c.setSoLinger(true, 0); // vanish: RST, no FIN
            c.close();
            Poll.until(WAIT, "target side closed", () -> target.connections.get(0).eof);
            AuditEvent closed = h.awaitEvent(AuditType.RDP_CLOSED);
            assertTrue(Set.of("client_reset", "client_closed").contains(closed.code()), closed.code());
            assertEquals((long) (REQUEST.length + PAYLOAD.length), closed.fields().get("bytes_from_client"));
            Poll.until(WAIT, "relay gone", () -> h.relay.liveRelays() == 0);
        }
    }

    @Test
    void nonRdpClientIsRejectedBeforeAnyByteReachesTheTarget() throws Exception {
        String ip = FreePorts.nextLoopbackHost();
        try (RecordingTarget target = new RecordingTarget(ip, 0, true);
             RelayHarness h = new RelayHarness(RelayHarness.options(),
                     List.of(new PortMapping.Named("vm", 0, "vm", target.port(), false)),
                     List.of(RelayHarness.target("vm", ip)), Set.of(target.port()), "127.0.0.0/8");
             Socket c = h.connect(0, "127.0.0.2")) {
            c.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(closedByRelay(c));
            AuditEvent rejected = h.awaitEvent(AuditType.RDP_PREAMBLE_REJECTED);
            assertEquals("not_tpkt", rejected.code());
            assertEquals(0, target.connections.size());
        }
    }

    @Test
    void halfCloseLetsTheTargetAnswerAfterClientEof() throws Exception {
        String ip = FreePorts.nextLoopbackHost();
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getByName(ip));
             RelayHarness h = new RelayHarness(RelayHarness.options(),
                     List.of(new PortMapping.Named("raw", 0, "vm", server.getLocalPort(), true)),
                     List.of(RelayHarness.target("vm", ip)), Set.of(server.getLocalPort()), "127.0.0.0/8");
             Socket c = h.connect(0, "127.0.0.2")) {
            c.getOutputStream().write(PAYLOAD);
            c.shutdownOutput();
            try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                assertArrayEquals(PAYLOAD, in.readAllBytes(), "target sees the bytes then EOF");
                s.getOutputStream().write("answer".getBytes(StandardCharsets.US_ASCII));
            }
            assertArrayEquals("answer".getBytes(StandardCharsets.US_ASCII), c.getInputStream().readAllBytes());
            assertEquals("ok", h.awaitEvent(AuditType.RDP_CLOSED).code());
        }
    }

    static final int HALF_CLOSE_BYTES = 16 << 20;

    /** Writes {@code n} bytes of a counting pattern. */
    static void writeBytes(java.io.OutputStream out, int n) throws IOException {
        byte[] chunk = new byte[64 * 1024];
        for (int sent = 0; sent < n; sent += chunk.length) out.write(chunk, 0, Math.min(chunk.length, n - sent));
        out.flush();
    }

    /** Reads to EOF (bounded by the socket's timeout); returns how many bytes came. */
    static long drain(Socket s) throws IOException {
        s.setSoTimeout((int) WAIT.toMillis());
        byte[] buf = new byte[64 * 1024];
        long n = 0;
        InputStream in = s.getInputStream();
        for (int r; (r = in.read(buf)) >= 0; ) n += r;
        return n;
    }

    /**
     * More than the socket buffers hold, toward a side that has already sent its FIN: the relay waits for that side to
     * be writable again. (Netty 4.2.18's epoll transport took such a socket out of epoll and then failed that wait,
     * so the relay ended as a write failure after about 4 MiB: found by review.)
     */
    @Test
    void halfCloseCarriesMoreThanTheSocketBuffersBothWays() throws Exception {
        String ip = FreePorts.nextLoopbackHost();
        var pool = java.util.concurrent.Executors.newCachedThreadPool();
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getByName(ip));
             RelayHarness h = new RelayHarness(RelayHarness.options(),
                     List.of(new PortMapping.Named("raw", 0, "vm", server.getLocalPort(), true)),
                     List.of(RelayHarness.target("vm", ip)), Set.of(server.getLocalPort()), "127.0.0.0/8")) {
            // 1. The client uploads and sends its FIN; then the target answers with 16 MiB that the client reads slowly.
            try (Socket c = h.connect(0, "127.0.0.2")) {
                var upload = pool.submit(() -> {
                    writeBytes(c.getOutputStream(), HALF_CLOSE_BYTES);
                    c.shutdownOutput();
                    return null;
                });
                try (Socket s = server.accept()) {
                    assertEquals(HALF_CLOSE_BYTES, drain(s), "the target gets everything, then the client's EOF");
                    upload.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
                    var answer = pool.submit(() -> {
                        writeBytes(s.getOutputStream(), HALF_CLOSE_BYTES);
                        s.shutdownOutput();
                        return null;
                    });
                    Thread.sleep(300); // a slow reader: the answer fills every buffer on the way before the client reads

                    assertEquals(HALF_CLOSE_BYTES, drain(c), "the client gets the whole answer after its own EOF");
                    answer.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
                }
                AuditEvent closed = h.awaitEvent(AuditType.RDP_CLOSED);
                assertEquals("ok", closed.code(), closed.fields().toString());
                assertEquals((long) HALF_CLOSE_BYTES, closed.fields().get("bytes_from_client"));
                assertEquals((long) HALF_CLOSE_BYTES, closed.fields().get("bytes_to_client"));
            }
            // 2. The target says hello and sends its FIN; then the client uploads 16 MiB that the target reads slowly.
            try (Socket c = h.connect(0, "127.0.0.3"); Socket s = server.accept()) {
                s.getOutputStream().write("hi".getBytes(StandardCharsets.US_ASCII));
                s.shutdownOutput();
                assertEquals(2, drain(c), "hello, then the target's EOF");
                var upload = pool.submit(() -> {
                    writeBytes(c.getOutputStream(), HALF_CLOSE_BYTES);
                    c.shutdownOutput();
                    return null;
                });
                Thread.sleep(300); // a slow reader, as above
                assertEquals(HALF_CLOSE_BYTES, drain(s), "the target gets the whole upload after its own EOF");
                upload.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            }
            AuditEvent second = Poll.value(WAIT, "second relay closed",
                    () -> h.events(AuditType.RDP_CLOSED).size() < 2 ? null : h.events(AuditType.RDP_CLOSED).get(1));
            assertEquals("ok", second.code(), second.fields().toString());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aPreambleThatCannotBeAuditedReachesNoTarget() throws Exception {
        String ip = FreePorts.nextLoopbackHost();
        try (RecordingTarget target = new RecordingTarget(ip, 0, true);
             RelayHarness h = new RelayHarness(RelayHarness.options(), List.of(new PortMapping.Named("vm", 0, "vm", target.port(), false)),
                     List.of(RelayHarness.target("vm", ip)), Set.of(target.port()), "127.0.0.0/8");
             Socket c = h.connect(0, "127.0.0.2")) {
            h.failing = AuditType.RDP_PREAMBLE;
            c.getOutputStream().write(REQUEST);
            assertTrue(closedByRelay(c));
            assertEquals(0, target.connections.size(), "no connection to the target");
            h.failing = null;
            assertEquals("audit_failed", h.awaitEvent(AuditType.RDP_CLOSED).code());
        }
    }

    @Test
    void aGrantThatEndsWhileItsConnectionIsBeingAdmittedEndsThatConnection() throws Exception {
        String ip = FreePorts.nextLoopbackHost();
        try (RecordingTarget target = new RecordingTarget(ip, 0, true);
             RelayHarness h = new RelayHarness(RelayHarness.options(), List.of(new PortMapping.Named("vm", 0, "vm", target.port(), false)),
                     List.of(RelayHarness.target("vm", ip)), Set.of(target.port()))) {
            var active = new java.util.concurrent.atomic.AtomicBoolean(true);
            var role = new io.jumpgate.core.policy.Role("jit", TargetSelector.globs("*"), Set.of(target.port()), List.of(),
                    new io.jumpgate.core.policy.JitPolicy(true, Duration.ofHours(1), false, List.of(), 5, false, false),
                    io.jumpgate.core.policy.RecordingMode.OFF);
            h.policy.set(new io.jumpgate.core.policy.AccessPolicy(Map.of("jit", role),
                    Map.of("alice", new io.jumpgate.core.policy.User("alice", List.of(), List.of("jit"))), Set.of(),
                    (user, t, port, source, justified) ->
                    active.get() ? java.util.Optional.of(new io.jumpgate.core.access.GrantLookup.ActiveGrant("g1", "alice", "jit"))
                            : java.util.Optional.empty()));
            int[] cutByListener = {-1};
            // The grant is revoked while the admission is being written: the grant index changes, then its listener
            // looks for relays of g1, before this one can be found.
            h.beforeEmit = e -> {
                if (e.type() == AuditType.RDP_ADMITTED) {
                    active.set(false);
                    cutByListener[0] = h.relay.terminateGrant("g1", "revoked");
                }
            };
            try (Socket c = h.connect(0, "127.0.0.2")) {
                c.getOutputStream().write(REQUEST);
                assertTrue(closedByRelay(c));
            }
            assertEquals(0, cutByListener[0], "the listener could not see the relay yet");
            AuditEvent closed = h.awaitEvent(AuditType.RDP_CLOSED);
            assertEquals("grant_ended", closed.code());
            assertEquals(0, target.connections.size(), "nothing reached the target");
        }
    }

    @Test
    void aRelayTheGatewayEndsDuringThePreambleIsNotBlamedOnTheClient() throws Exception {
        String ip = FreePorts.nextLoopbackHost();
        try (RecordingTarget target = new RecordingTarget(ip, 0, true);
             RelayHarness h = new RelayHarness(RelayHarness.options(), List.of(new PortMapping.Named("vm", 0, "vm", target.port(), false)),
                     List.of(RelayHarness.target("vm", ip)), Set.of(target.port()), "127.0.0.0/8");
             Socket c = h.connect(0, "127.0.0.2")) {
            c.getOutputStream().write(REQUEST, 0, 5);
            h.awaitEvent(AuditType.RDP_ADMITTED);
            h.relay.shutdown(Duration.ZERO);
            assertEquals("shutdown", h.awaitEvent(AuditType.RDP_CLOSED).code());
            assertEquals(List.of(), h.events(AuditType.RDP_PREAMBLE_REJECTED), "no 'incomplete' after the gateway's own close");
        }
    }

    @Test
    void idleRelayIsClosed() throws Exception {
        String ip = FreePorts.nextLoopbackHost();
        RdpRelayOptions o = RelayHarness.options();
        RdpRelayOptions idle = new RdpRelayOptions(o.listenAddress(), o.preambleTimeout(), o.preambleMaxBytes(),
                o.connectTimeout(), Duration.ofMillis(300), null, o.drainTimeout());
        try (RecordingTarget target = new RecordingTarget(ip, 0, true);
             RelayHarness h = new RelayHarness(idle, List.of(new PortMapping.Named("vm", 0, "vm", target.port(), false)),
                     List.of(RelayHarness.target("vm", ip)), Set.of(target.port()), "127.0.0.0/8");
             Socket c = h.connect(0, "127.0.0.2")) {
            c.getOutputStream().write(REQUEST);
            readExactly(c, REQUEST.length);
            assertTrue(closedByRelay(c));
            assertEquals("idle_timeout", h.awaitEvent(AuditType.RDP_CLOSED).code());
        }
    }

    @Test
    void shutdownStopsAcceptingAndDrainsLiveRelays() throws Exception {
        String ip = FreePorts.nextLoopbackHost();
        try (RecordingTarget target = new RecordingTarget(ip, 0, true);
             RelayHarness h = new RelayHarness(RelayHarness.options(), List.of(new PortMapping.Named("vm", 0, "vm", target.port(), false)),
                     List.of(RelayHarness.target("vm", ip)), Set.of(target.port()), "127.0.0.0/8")) {
            Socket live = h.connect(0, "127.0.0.2");
            live.getOutputStream().write(REQUEST);
            readExactly(live, REQUEST.length);
            Thread stopper = new Thread(() -> h.relay.shutdown(Duration.ofSeconds(20)));
            stopper.start();
            Poll.until(WAIT, "listener closed", () -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(RelayHarness.LISTEN, h.ports.get(0)), 500);
                    return false;
                } catch (IOException refused) {
                    return true;
                }
            });
            live.getOutputStream().write(PAYLOAD);
            assertArrayEquals(PAYLOAD, readExactly(live, PAYLOAD.length), "live relay still works while draining");
            live.close();
            stopper.join(WAIT.toMillis());
            assertTrue(!stopper.isAlive(), "shutdown returned once the last relay ended");
            // (the probes above were relays too: they closed without a preamble)
            Poll.until(WAIT, "the drained relay closed normally", () -> h.events(AuditType.RDP_CLOSED).stream()
                    .anyMatch(e -> Set.of("ok", "client_closed").contains(e.code())
                            && (long) e.fields().get("bytes_from_client") == REQUEST.length + PAYLOAD.length));
        }
    }

    @Test
    void overlappingPortsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new RdpRelay(RelayHarness.options(),
                List.of(new PortMapping.Named("a", 50000, "x", 3389, false),
                        new PortMapping.NatPool("p", 49990, 50010, 3389, TargetSelector.globs("*"), false)),
                () -> null, () -> null, e -> {}, java.time.Clock.systemUTC()));
    }
}
