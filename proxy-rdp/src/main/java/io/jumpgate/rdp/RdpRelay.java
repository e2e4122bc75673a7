package io.jumpgate.rdp;

import io.jumpgate.core.audit.AuditSink;
import io.jumpgate.core.audit.AuditEvent;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.Outcome;
import io.jumpgate.core.policy.AccessPolicy;
import io.jumpgate.core.target.InventorySnapshot;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The RDP relay: one listening port per mapped frontend port; each accepted connection is admitted by source
 * address, optionally has its X.224 preamble inspected, and is relayed to the target the mapping resolves to
 * in the inventory at that moment. The gateway constructs it, calls {@link #start()}, and {@link #close()}s it.
 */
public final class RdpRelay implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RdpRelay.class);

    /**
     * Receive buffer of every relay socket (the kernel doubles it, up to {@code net.core.rmem_max}). Read-one-write-one
     * bounds what the relay holds while both sides are open; once a peer has sent FIN, Netty's epoll transport reads
     * that socket to EOF whatever AUTO_READ says (so that no byte is lost), and this buffer is then what bounds the
     * relay's queue instead of receive autotuning (tens of MiB). 1 MiB keeps 2 MiB in flight: ~160 Mbit/s at 100 ms.
     */
    static final int RECEIVE_BUFFER_BYTES = 1 << 20;
    /** How often the refusals counted but not audited one by one ({@link DenialBudget}) are summarised. */
    static final Duration DENIAL_SUMMARY_EVERY = Duration.ofSeconds(10);

    private final RdpRelayOptions options;
    private final List<PortMapping> mappings;
    private final RelayContext rc;
    private final List<Channel> listeners = new ArrayList<>();
    private EventLoopGroup loops;

    /**
     * @param options   listen address and timeouts
     * @param mappings  port mappings; their fixed frontend ports must not overlap
     * @param inventory the current inventory snapshot (read at every accept)
     * @param policy    the current access policy (read at every accept; swapped when grants change)
     * @param audit     the security record
     * @param clock     time for audit events and durations
     */
    public RdpRelay(RdpRelayOptions options, List<PortMapping> mappings, Supplier<InventorySnapshot> inventory,
                    Supplier<AccessPolicy> policy, AuditSink audit, Clock clock) {
        this.options = Objects.requireNonNull(options, "options");
        this.mappings = List.copyOf(mappings);
        Set<Integer> seen = new HashSet<>();
        for (PortMapping m : this.mappings) {
            for (int port : m.frontendPorts()) {
                if (port != 0 && !seen.add(port)) {
                    throw new IllegalArgumentException("frontend port " + port + " mapped twice (mapping " + m.name() + ")");
                }
            }
        }
        Transport transport = Transport.best();
        this.rc = new RelayContext(options, Objects.requireNonNull(inventory, "inventory"),
                Objects.requireNonNull(policy, "policy"), Objects.requireNonNull(audit, "audit"),
                Objects.requireNonNull(clock, "clock"), transport,
                new DefaultChannelGroup("rdp-relays", GlobalEventExecutor.INSTANCE), new DenialBudget());
    }

    /**
     * Binds every mapped port.
     *
     * @return the bound ports, in mapping order then port order (a port 0 mapping reports the port it got)
     * @throws IllegalStateException when a port cannot be bound (everything bound so far is released)
     */
    public synchronized List<Integer> start() {
        if (loops != null) throw new IllegalStateException("already started");
        // One loop per core accepts and relays: an accepted connection is handled where it was accepted.
        loops = rc.transport().newGroup(Runtime.getRuntime().availableProcessors());
        List<Integer> bound = new ArrayList<>();
        try {
            for (PortMapping m : mappings) {
                List<Integer> ports = m.frontendPorts();
                for (int i = 0; i < ports.size(); i++) {
                    Channel ch = bind(m, i, ports.get(i));
                    listeners.add(ch);
                    bound.add(((InetSocketAddress) ch.localAddress()).getPort());
                }
            }
        } catch (RuntimeException e) {
            shutdown(Duration.ZERO);
            throw e;
        }
        loops.scheduleAtFixedRate(() -> auditSuppressedDenials(false), DENIAL_SUMMARY_EVERY.toMillis(),
                DENIAL_SUMMARY_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        log.info("RDP relay listening on {} ports {} ({})", options.listenAddress().getHostAddress(), bound, rc.transport().name());
        return List.copyOf(bound);
    }

    private Channel bind(PortMapping m, int index, int port) {
        ServerBootstrap b = new ServerBootstrap().group(loops).channelFactory(rc.transport().serverChannelFor(options.listenAddress()))
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                // inherited by accepted sockets, and in effect before their handshake
                .option(ChannelOption.SO_RCVBUF, RECEIVE_BUFFER_BYTES)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new RdpRelayInitializer(rc, m, index));
        try {
            return b.bind(new InetSocketAddress(options.listenAddress(), port)).syncUninterruptibly().channel();
        } catch (Exception e) {
            throw new IllegalStateException("RDP relay cannot bind " + options.listenAddress().getHostAddress() + ":" + port
                    + " (mapping " + m.name() + "): " + e.getMessage(), e);
        }
    }

    /**
     * Ends every live relay admitted by {@code grantId} (the grant expired or was revoked and
     * {@code limits.terminateOnExpiry} is set), each audited as closed with code {@code grant_ended}, unless another
     * grant or a standing rule still admits its source: it then goes on under that one ({@code readmitted}).
     *
     * @return how many relays the grant had admitted
     */
    public int terminateGrant(String grantId, String detail) {
        int n = 0;
        for (Channel ch : rc.relays()) {
            RelaySession s = ch.attr(RelaySession.KEY).get();
            if (s != null && grantId.equals(s.grantId)) {
                try {
                    ch.eventLoop().execute(() -> s.grantEnded(grantId, detail));
                } catch (RejectedExecutionException stopping) {
                    ch.close(); // the relay is shutting down; the grant listener must still reach the others
                }
                n++;
            }
        }
        return n;
    }

    /** Relays currently open. */
    public int liveRelays() {
        return rc.relays().size();
    }

    /** Bytes queued for writing in all live relays, both directions (bounded by read-one-write-one). */
    public long pendingOutboundBytes() {
        long total = 0;
        for (Channel ch : rc.relays()) {
            total += pending(ch);
            RelaySession s = ch.attr(RelaySession.KEY).get();
            if (s != null) total += pending(s.backend);
        }
        return total;
    }

    private static long pending(Channel ch) {
        if (ch == null || ch.unsafe().outboundBuffer() == null) return 0;
        return ch.unsafe().outboundBuffer().totalPendingWriteBytes();
    }

    /**
     * Stops accepting at once, lets live relays continue for up to {@code drain}, then closes the rest (audited
     * with code {@code shutdown}) and releases the event loops.
     */
    public synchronized void shutdown(Duration drain) {
        if (loops == null) return;
        for (Channel l : listeners) l.close().syncUninterruptibly();
        listeners.clear();
        if (!drain.isZero()) rc.relays().newCloseFuture().awaitUninterruptibly(drain.toMillis(), TimeUnit.MILLISECONDS);
        for (Channel ch : rc.relays()) {
            RelaySession s = ch.attr(RelaySession.KEY).get();
            ch.eventLoop().execute(() -> s.abort("shutdown", Outcome.INFO, "gateway shutting down"));
        }
        rc.relays().newCloseFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        auditSuppressedDenials(true);
        loops = null;
        log.info("RDP relay stopped");
    }

    /**
     * Audits what {@link DenialBudget} counted instead of auditing one by one: one {@code rdp.denied} event, code
     * {@code suppressed}, per source and window ({@code all}: also the current window, at shutdown).
     */
    void auditSuppressedDenials(boolean all) {
        for (DenialBudget.Summary s : rc.denials().drain(rc.clock().instant(), all)) {
            try {
                rc.audit().emit(AuditEvent.builder(AuditType.RDP_DENIED, rc.clock().instant()).outcome(Outcome.DENIED, "suppressed")
                        .source(s.source() == null ? null : s.source().getHostAddress())
                        .field("suppressed", s.suppressed()).field("since", s.since().toString())
                        .field("until", s.until().toString())
                        .field("detail", s.source() == null ? "refusals from more sources than are counted one by one"
                                : "refusals beyond the audit budget (" + DenialBudget.PER_SOURCE + " a minute per source, "
                                + DenialBudget.TOTAL + " in all)").build());
            } catch (RuntimeException e) {
                log.error("cannot audit {} suppressed RDP refusals from {}: {}", s.suppressed(), s.source(), e.getMessage());
            }
            log.warn("RDP relay: {} refusals from {} between {} and {} counted, not audited one by one", s.suppressed(),
                    s.source() == null ? "many sources" : s.source().getHostAddress(), s.since(), s.until());
        }
    }

    /** {@link #shutdown(Duration)} with the configured drain timeout. */
    @Override
    public void close() {
        shutdown(options.drainTimeout());
    }
}
