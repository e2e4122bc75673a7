package io.jumpgate.rdp;

import io.jumpgate.core.audit.AuditEvent;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.testkit.FreePorts;
import io.jumpgate.testkit.Poll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fast client pushes 1 GiB through the relay to a target that first does not read at all, then reads.
 * Read-one-write-one must keep the relay's queued bytes at about one read buffer while the client's stream is open:
 * the relay stops reading instead of buffering, so the sender blocks on TCP flow control. Once the client has sent
 * FIN, Netty's epoll transport reads that socket to EOF regardless of AUTO_READ; the relay's fixed receive buffer
 * is then the bound (twice {@link RdpRelay#RECEIVE_BUFFER_BYTES}, as the kernel doubles it), not autotuning.
 */
class SlowReaderBackpressureTest {
    static final long TOTAL = 1L << 30;
    static final long MAX_PENDING = 256 * 1024;
    static final long MAX_PENDING_AFTER_FIN = 2L * RdpRelay.RECEIVE_BUFFER_BYTES + MAX_PENDING;

    @Test
    void relayMemoryStaysBoundedWhileAFastSenderPushesOneGibibyte() throws Exception {
        String ip = FreePorts.nextLoopbackHost();
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getByName(ip));
             RelayHarness h = new RelayHarness(RelayHarness.options(),
                     List.of(new PortMapping.Named("bulk", 0, "vm", server.getLocalPort(), true)),
                     List.of(RelayHarness.target("vm", ip)), Set.of(server.getLocalPort()), "127.0.0.0/8");
             Socket client = h.connect(0, "127.0.0.2");
             Socket target = server.accept()) {
            AtomicLong sent = new AtomicLong();
            AtomicBoolean finSent = new AtomicBoolean();
            Thread sender = new Thread(() -> {
                byte[] chunk = new byte[64 * 1024];
                try (OutputStream out = client.getOutputStream()) {
                    while (sent.get() < TOTAL) {
                        out.write(chunk);
                        sent.addAndGet(chunk.length);
                    }
                    finSent.set(true);
                    client.shutdownOutput();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, "fast-sender");
            sender.setDaemon(true);
            sender.start();

            // Phase 1: the target reads nothing. The relay must stall with a bounded queue.
            Poll.until(Duration.ofSeconds(20), "relay stalled on the unread target",
                    () -> h.relay.pendingOutboundBytes() > 0);
            long maxStalled = 0;
            for (int i = 0; i < 2000; i++) maxStalled = Math.max(maxStalled, h.relay.pendingOutboundBytes());
            long stalledAt = sent.get();
            assertTrue(maxStalled <= MAX_PENDING, "queued while stalled: " + maxStalled);
            assertTrue(stalledAt < 64L << 20, "sender is held back by flow control, not buffered: sent " + stalledAt);

            // Phase 2: the target reads everything; sample the relay's queue all along.
            AtomicLong maxPending = new AtomicLong();
            AtomicLong maxPendingAfterFin = new AtomicLong();
            Thread sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    long pending = h.relay.pendingOutboundBytes();
                    (finSent.get() ? maxPendingAfterFin : maxPending).accumulateAndGet(pending, Math::max);
                    Thread.onSpinWait();
                }
            }, "pending-sampler");
            sampler.setDaemon(true);
            sampler.start();
            long received = 0;
            byte[] buf = new byte[256 * 1024];
            InputStream in = target.getInputStream();
            target.setSoTimeout(30_000);
            int n;
            while ((n = in.read(buf)) >= 0) received += n;
            sampler.interrupt();
            sampler.join(5000);
            assertEquals(TOTAL, received, () -> "audit: " + h.audit.events());
            System.out.printf("slow reader: sender held at %d bytes while stalled; relay queue max %d bytes while open, %d after FIN%n",
                    stalledAt, maxPending.get(), maxPendingAfterFin.get());
            assertTrue(maxPending.get() <= MAX_PENDING, "max queued bytes while relaying 1 GiB: " + maxPending.get());
            assertTrue(maxPendingAfterFin.get() <= MAX_PENDING_AFTER_FIN,
                    "max queued bytes after the client's FIN: " + maxPendingAfterFin.get());

            // The relay half-closed the target after the last byte; the target closing ends the relay normally.
            target.close();
            AuditEvent closed = h.awaitEvent(AuditType.RDP_CLOSED);
            assertEquals(TOTAL, closed.fields().get("bytes_from_client"));
            assertTrue(Set.of("ok", "target_closed").contains(closed.code()), "ended normally: " + closed);
        }
    }
}
