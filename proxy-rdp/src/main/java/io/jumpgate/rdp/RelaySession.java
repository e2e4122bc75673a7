package io.jumpgate.rdp;

import io.jumpgate.core.audit.AuditEvent;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.Outcome;
import io.jumpgate.core.policy.Decision;
import io.jumpgate.core.target.Target;
import io.jumpgate.core.util.IpLiterals;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.AttributeKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One relayed connection: who, where to, bytes each way, and how it ended. Lives on the frontend channel's
 * event loop (the backend channel shares it), so its fields need no synchronisation. Emits exactly one
 * closing audit event once the relay was admitted.
 */
final class RelaySession {
    static final AttributeKey<RelaySession> KEY = AttributeKey.valueOf("jumpgate.rdp.session");
    private static final Logger log = LoggerFactory.getLogger(RelaySession.class);
    /** Longest wait for a closing side to take what is queued for it (the idle timeout when that is shorter). */
    static final Duration FLUSH_GRACE = Duration.ofSeconds(30);

    /** {@code rdp-} and 16 hex digits: unique enough to correlate events, not a secret, no SecureRandom per accept. */
    final String id = "rdp-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    final RelayContext rc;
    final PortMapping mapping;
    final Channel frontend;
    final int frontendPort;
    final InetSocketAddress source;
    private final String sourceText;
    final Instant startedAt;
    Target target;
    /** The just-in-time grant that admitted this relay, or null for standing access. */
    String grantId;
    Channel backend;
    long bytesFromClient;
    long bytesToClient;
    private boolean admitted;
    private boolean clientInputShut;
    private boolean targetInputShut;
    private String endCode;
    private Outcome endOutcome;
    private String endDetail;

    RelaySession(RelayContext rc, PortMapping mapping, Channel frontend) {
        this.rc = rc;
        this.mapping = mapping;
        this.frontend = frontend;
        this.frontendPort = ((InetSocketAddress) frontend.localAddress()).getPort();
        this.source = (InetSocketAddress) frontend.remoteAddress();
        this.sourceText = IpLiterals.hostPort(source); // [v6]:port, as the SSH side writes it
        this.startedAt = rc.clock().instant();
    }

    AuditEvent.Builder event(AuditType type, Outcome outcome, String code) {
        AuditEvent.Builder b = AuditEvent.builder(type, rc.clock().instant()).outcome(outcome, code).session(id)
                .source(sourceText)
                .field("frontend_port", frontendPort).field("mapping", mapping.name());
        if (target != null) b.target(target.name(), target.addressText(), mapping.backendPort());
        return b;
    }

    /**
     * The grant that admitted this relay may have ended: the relay goes on if its source is still admitted, by that
     * grant (nothing to do), or by another grant or a standing rule (audited {@code rdp.admitted} code
     * {@code readmitted}); it ends as {@code grant_ended} otherwise. Runs on the event loop.
     */
    void grantEnded(String ended, String detail) {
        if (grantId == null || !grantId.equals(ended)) return; // already moved on to another grant
        Decision d = rc.policy().get().forSource(target, mapping.backendPort(), source.getAddress());
        if (d instanceof Decision.Allow again) {
            if (ended.equals(again.grantId())) return; // it has not ended after all
            grantId = again.grantId();
            if (!emit(event(AuditType.RDP_ADMITTED, Outcome.INFO, "readmitted").field("role", again.role())
                    .field("grant_id", again.grantId()).field("grant_user", again.grantUser()).field("ended_grant", ended))) {
                abort("audit_failed", Outcome.FAILURE, "cannot audit the relay's readmission");
            }
            return;
        }
        abort("grant_ended", Outcome.INFO, detail);
    }

    /** Emits; false when the audit sink failed (the caller then refuses or ends the relay: fail closed). */
    boolean emit(AuditEvent.Builder b) {
        try {
            rc.audit().emit(b.build());
            return true;
        } catch (RuntimeException e) {
            log.error("RDP relay {}: audit write failed; closing", id, e);
            return false;
        }
    }

    boolean isAdmitted() {
        return admitted;
    }

    void admitted() {
        admitted = true;
        frontend.closeFuture().addListener(f -> closed());
    }

    /** The gateway ended this relay (it has an end reason from this side: timeout, shutdown, grant end, error). */
    boolean endedByGateway() {
        return endCode != null;
    }

    boolean clientInputShut() {
        return clientInputShut;
    }

    boolean targetInputShut() {
        return targetInputShut;
    }

    /** The side that sent EOF; when both have, the relay ends normally. */
    void inputShutdown(boolean fromClient) {
        if (fromClient) clientInputShut = true; else targetInputShut = true;
        Channel other = fromClient ? backend : frontend;
        if (clientInputShut && targetInputShut) {
            end("ok", Outcome.SUCCESS, "both sides closed");
            return;
        }
        if (other != null && other.isActive()) {
            other.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> ((SocketChannel) other).shutdownOutput());
        }
    }

    /** Ends the relay after what is already queued reaches each side (peer went away, normal end). */
    void end(String code, Outcome outcome, String detail) {
        record(code, outcome, detail);
        flushAndClose(frontend);
        flushAndClose(backend);
    }

    /** Ends the relay now, dropping anything queued (timeouts, errors, shutdown). */
    void abort(String code, Outcome outcome, String detail) {
        record(code, outcome, detail);
        frontend.close();
        if (backend != null) backend.close();
    }

    private void record(String code, Outcome outcome, String detail) {
        if (endCode != null) return;
        endCode = code;
        endOutcome = outcome;
        endDetail = detail;
    }

    /**
     * Closes {@code ch} once what is queued for it is written, or after {@link #FLUSH_GRACE} (at most the idle
     * timeout) whatever: a peer that stopped reading would otherwise hold the socket, and what is queued for it, for
     * ever after the relay's close was audited and it left the live set (no timer, drain or grant end sees it).
     */
    private void flushAndClose(Channel ch) {
        if (ch == null) return;
        if (!ch.isActive()) {
            ch.close();
            return;
        }
        ChannelFuture flushed = ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        if (flushed.isDone()) return; // nothing was queued (the usual case, on this event loop): closed already
        Duration idle = rc.options().idleTimeout();
        long graceMs = (idle == null || idle.compareTo(FLUSH_GRACE) > 0 ? FLUSH_GRACE : idle).toMillis();
        ScheduledFuture<?> force = ch.eventLoop().schedule(() -> {
            if (ch.isOpen()) {
                log.info("RDP relay {}: {} did not take the last {} ms of data; closing it", id,
                        ch == frontend ? "client" : "target", graceMs);
                ch.close();
            }
        }, graceMs, TimeUnit.MILLISECONDS);
        ch.closeFuture().addListener(f -> force.cancel(false));
    }

    private void closed() {
        // The client is gone (it may have closed fully right after its last bytes): what it sent still goes to
        // the target. Aborts have closed the backend already.
        flushAndClose(backend);
        if (!admitted) return;
        long ms = Duration.between(startedAt, rc.clock().instant()).toMillis();
        // No reason recorded: nothing here ended the relay. With half-closure on, a client's FIN is an input
        // shutdown, not a close, and a read error is recorded by exceptionCaught; so the channel closed itself on a
        // failed write (Netty's auto-close runs this listener before the write's own): the client reset while data
        // was on its way to it.
        boolean reset = endCode == null && !clientInputShut;
        String code = endCode != null ? endCode : reset ? "client_reset" : "client_closed";
        Outcome outcome = endOutcome != null ? endOutcome : reset ? Outcome.FAILURE : Outcome.SUCCESS;
        if (reset) endDetail = "the client's connection failed while data was being sent to it";
        emit(event(AuditType.RDP_CLOSED, outcome, code).field("detail", endDetail)
                .field("bytes_from_client", bytesFromClient).field("bytes_to_client", bytesToClient)
                .field("duration_ms", ms));
        if (log.isDebugEnabled()) {
            log.debug("RDP relay {} {} -> {} closed ({}): {} bytes up, {} down, {} ms", id, sourceText,
                    target == null ? "-" : target.name(), code, bytesFromClient, bytesToClient, ms);
        }
    }
}
