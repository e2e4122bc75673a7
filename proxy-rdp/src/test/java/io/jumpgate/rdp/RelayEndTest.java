package io.jumpgate.rdp;

import io.jumpgate.core.audit.AuditEvent;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.testkit.FreePorts;
import io.jumpgate.testkit.Poll;
import io.netty.channel.Channel;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How a relay ends when a side stops reading (real sockets, 127.0.0.0/8 only, port 0, bounded waits). */
class RelayEndTest {
    static final Duration WAIT = Duration.ofSeconds(10);

    static RelayContext contextOf(RdpRelay relay) throws Exception {
        Field f = RdpRelay.class.getDeclaredField("rc");
        f.setAccessible(true);
        return (RelayContext) f.get(relay);
    }

    /** The relay's count of client bytes taken (a plain field written on the event loop; fenced so it is re-read). */
    static long taken(RelaySession s) {
        java.lang.invoke.VarHandle.acquireFence();
        return s.bytesFromClient;
    }

    static Channel liveBackend(RelayContext rc) {
        return Poll.value(WAIT, "a connected backend", () -> rc.relays().stream()
                .map(ch -> ch.attr(RelaySession.KEY).get())
                .filter(s -> s != null && s.backend != null && s.backend.isActive())
                .map(s -> s.backend).findFirst().orElse(null));
    }

    /**
     * The target says hello and sends its FIN but reads nothing; the client uploads more than the target side's
     * kernel buffers hold, then sends its FIN. Both sides have ended, so the relay ends "ok": rdp.closed is audited,
     * the relay leaves the live set, its idle timer and max-duration timer are gone with the client channel, but
     * flushAndClose(backend) waits for a flush that never completes. The target connection (fd, queued bytes) stays
     * open with no timer at all, invisible to liveRelays() and to the shutdown drain.
     */
    @Test
    void theTargetConnectionDoesNotOutliveTheAuditedCloseForever() throws Exception {
        String ip = FreePorts.nextLoopbackHost();
        RdpRelayOptions o = RelayHarness.options();
        RdpRelayOptions opts = new RdpRelayOptions(o.listenAddress(), o.preambleTimeout(), o.preambleMaxBytes(),
                o.connectTimeout(), Duration.ofSeconds(2), Duration.ofSeconds(3), o.drainTimeout());
        try (ServerSocket server = new ServerSocket()) {
            server.setReceiveBufferSize(4096); // inherited by the accepted socket: the target takes little
            server.bind(new InetSocketAddress(InetAddress.getByName(ip), 0), 5);
            int port = server.getLocalPort();
            try (RelayHarness h = new RelayHarness(opts, List.of(new PortMapping.Named("raw", 0, "vm", port, true)),
                    List.of(RelayHarness.target("vm", ip)), Set.of(port), "127.0.0.0/8");
                 Socket c = h.connect(0, "127.0.0.2");
                 Socket s = server.accept()) {
                Channel backend = liveBackend(contextOf(h.relay));
                s.getOutputStream().write("hi".getBytes(StandardCharsets.US_ASCII));
                s.shutdownOutput(); // the target has said all it will say; it never reads
                InputStream in = c.getInputStream();
                assertEquals(2, in.readNBytes(2).length);
                assertEquals(-1, in.read(), "target's FIN passed on");

                OutputStream out = c.getOutputStream();
                RelaySession session = contextOf(h.relay).relays().iterator().next().attr(RelaySession.KEY).get();
                byte[] chunk = new byte[16 * 1024];
                long sent = 0;
                // Upload at the relay's pace (each chunk taken before the next is written, so nothing piles up in
                // the client's or the relay's socket buffers) until the relay holds bytes for the target that it cannot
                // flush: the target's side of the connection is full.
                boolean stuck = false;
                while (!stuck && sent < (64L << 20)) {
                    out.write(chunk);
                    sent += chunk.length;
                    long until = System.nanoTime() + 200_000_000L;
                    while (taken(session) < sent && System.nanoTime() < until) Thread.onSpinWait();
                    stuck = taken(session) < sent; // not taken within 200 ms: its write toward the target waits
                }
                assertTrue(stuck, "relay holds bytes for the target after " + sent);
                c.shutdownOutput();

                AuditEvent closed = h.awaitEvent(AuditType.RDP_CLOSED);
                assertEquals("ok", closed.code());
                assertEquals(0, h.relay.liveRelays(), "the relay is no longer counted as live");
                // Well past the 2 s idle timeout and the 3 s max duration: the target connection should be gone.
                Poll.until(Duration.ofSeconds(8), "target connection closed after the relay was audited closed",
                        () -> !backend.isOpen());
            }
        }
    }

    /**
     * The target streams to a client that has stopped reading; the client then vanishes (RST). The relay's pending
     * write to the client fails, Netty closes the channel itself (auto-close) before the write's listener runs: the
     * reset is still audited as one (client_reset, failure), not as a clean close.
     */
    @Test
    void aClientThatResetsWhileTheTargetStreamsIsNotAuditedAsACleanClose() throws Exception {
        String ip = FreePorts.nextLoopbackHost();
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getByName(ip));
             RelayHarness h = new RelayHarness(RelayHarness.options(),
                     List.of(new PortMapping.Named("raw", 0, "vm", server.getLocalPort(), true)),
                     List.of(RelayHarness.target("vm", ip)), Set.of(server.getLocalPort()), "127.0.0.0/8")) {
            Socket c = h.connect(0, "127.0.0.2");
            try (Socket s = server.accept()) {
                Thread streamer = new Thread(() -> {
                    byte[] chunk = new byte[64 * 1024];
                    try {
                        for (int i = 0; i < 1024; i++) s.getOutputStream().write(chunk); // 64 MiB at most
                    } catch (java.io.IOException closed) {
                        // the relay closed the target side
                    }
                });
                streamer.setDaemon(true);
                streamer.start();
                RelayContext rc = contextOf(h.relay);
                RelaySession session = Poll.value(WAIT, "relay", () -> {
                    for (Channel ch : rc.relays()) return ch.attr(RelaySession.KEY).get();
                    return null;
                });
                // Until the relay holds bytes for the client it cannot write (the client reads nothing).
                Poll.until(WAIT, "writes toward the client wait", () -> {
                    java.lang.invoke.VarHandle.acquireFence();
                    long before = session.bytesToClient;
                    long until = System.nanoTime() + 200_000_000L;
                    while (System.nanoTime() < until) Thread.onSpinWait();
                    java.lang.invoke.VarHandle.acquireFence();
                    return session.bytesToClient == before && h.relay.pendingOutboundBytes() > 0;
                });
                c.setSoLinger(true, 0);
                c.close(); // RST
                AuditEvent closed = h.awaitEvent(AuditType.RDP_CLOSED);
                assertTrue(!"client_closed".equals(closed.code()) && closed.outcome() != io.jumpgate.core.audit.Outcome.SUCCESS,
                        "a reset is audited as " + closed.code() + "/" + closed.outcome());
            }
        }
    }
}
