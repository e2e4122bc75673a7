package io.jumpgate.rdp;

import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.Outcome;
import io.jumpgate.core.policy.Decision;
import io.jumpgate.core.policy.DenyReason;
import io.jumpgate.core.target.Target;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Client side of one relay: admits or refuses the source at accept time, waits for the preamble (unless the
 * mapping is raw), connects to the target, then relays client bytes read-one-write-one: the next read is
 * requested only when the previous write has completed, so at most one read buffer is ever in flight.
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter {
    private final RelayContext rc;
    private final PortMapping mapping;
    private final int portIndex;
    private RelaySession session;
    /** Client reads held at most while the target connection is being set up (each one read buffer). */
    static final int MAX_BEFORE_CONNECT = 2;
    private final Queue<Object> beforeConnect = new ArrayDeque<>(MAX_BEFORE_CONNECT + 1);
    private ScheduledFuture<?> maxDuration;
    private boolean connected;

    FrontendHandler(RelayContext rc, PortMapping mapping, int portIndex) {
        this.rc = rc;
        this.mapping = mapping;
        this.portIndex = portIndex;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        session = new RelaySession(rc, mapping, ch);
        ch.attr(RelaySession.KEY).set(session);
        Optional<Target> target = mapping.resolve(portIndex, rc.inventory().get());
        Decision decision = target.isEmpty()
                ? new Decision.Deny(DenyReason.UNKNOWN_TARGET, "no target behind " + mapping.name() + " port " + session.frontendPort, null)
                : rc.policy().get().forSource(target.get(), mapping.backendPort(), session.source.getAddress());
        session.target = target.orElse(null);
        if (decision instanceof Decision.Deny deny) {
            if (rc.denials().take(session.source.getAddress(), rc.clock().instant())) {
                session.emit(session.event(AuditType.RDP_DENIED, Outcome.DENIED, deny.reason().code()).field("detail", deny.detail()));
            }
            ch.close();
            return;
        }
        Decision.Allow allow = (Decision.Allow) decision;
        if (!session.emit(session.event(AuditType.RDP_ADMITTED, Outcome.SUCCESS, "ok").field("role", allow.role())
                .field("grant_id", allow.grantId()).field("grant_user", allow.grantUser()).field("raw", mapping.raw()))) {
            ch.close();
            return;
        }
        session.grantId = allow.grantId();
        rc.relays().add(ch);
        session.admitted();
        // The grant may have ended while the admission was audited, before this relay could be found by
        // RdpRelay.terminateGrant (the grant index changes before it runs): ask again now that it can be.
        if (allow.grantId() != null) {
            session.grantEnded(allow.grantId(), "grant " + allow.grantId() + " ended while the connection was admitted");
            if (!ch.isOpen()) return;
        }
        if (rc.options().maxDuration() != null) {
            maxDuration = ctx.executor().schedule(() -> session.abort("max_duration", Outcome.INFO,
                    "relay reached " + rc.options().maxDuration()), rc.options().maxDuration().toNanos(), TimeUnit.NANOSECONDS);
        }
        if (mapping.raw()) connect(ctx, null);
        // Raw: the client's first bytes are read while the target connection is being set up (one read, queued
        // until connected, as after a preamble), so they go out as soon as it is.
        ch.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof RdpPreamble p) {
            if (!session.emit(session.event(AuditType.RDP_PREAMBLE, Outcome.INFO, "ok").field("mstshash", p.cookie())
                    .field("negotiation", p.negotiation()).field("requested_protocols", p.protocolNames())
                    .field("preamble_bytes", p.raw().readableBytes()))) {
                // Fail closed, as at admission: nothing reaches the target that the record does not show.
                p.raw().release();
                session.abort("audit_failed", Outcome.FAILURE, "the RDP preamble could not be audited");
                return;
            }
            beforeConnect.add(p.raw());
            connect(ctx, p);
            return;
        }
        Channel backend = session.backend;
        if (!connected) {
            // Read while connecting (raw), bytes after the preamble in the same read, or read with the client's EOF:
            // written once connected. One more read is requested while fewer than MAX_BEFORE_CONNECT are queued,
            // so the client's read interest stays armed through the connect instead of being dropped and re-added.
            beforeConnect.add(msg);
            if (beforeConnect.size() < MAX_BEFORE_CONNECT && !session.clientInputShut()) ctx.read();
            return;
        }
        if (!backend.isActive()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        session.bytesFromClient += ((ByteBuf) msg).readableBytes();
        backend.writeAndFlush(msg).addListener((ChannelFuture f) -> {
            // No read after the client's EOF: nothing more can come, and Netty 4.2.18's epoll registration
            // fails a read request on a half-closed socket it has already removed from epoll.
            if (f.isSuccess()) {
                if (!session.clientInputShut()) ctx.channel().read();
            }
            else session.abort("target_write_failed", Outcome.FAILURE, String.valueOf(f.cause()));
        });
    }

    private void connect(ChannelHandlerContext ctx, RdpPreamble preamble) {
        Channel frontend = ctx.channel();
        Target t = session.target;
        SocketChannel target = rc.newTargetChannel(t.address());
        target.pipeline().addLast(new BackendHandler(session));
        session.backend = target;
        // Same event loop as the client connection: both channels of a relay live on one thread (so registering
        // from here completes at once) and the connect starts now, not from a queued task.
        ChannelFuture registered = frontend.eventLoop().register(target);
        ChannelFuture cf = registered.cause() != null ? registered
                : target.connect(new InetSocketAddress(t.address(), mapping.backendPort()));
        cf.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                session.abort(connectFailure(f.cause()), Outcome.FAILURE, String.valueOf(f.cause().getMessage()));
                drainQueue();
                return;
            }
            Channel backend = f.channel();
            connected = true;
            Object m;
            while ((m = beforeConnect.poll()) != null) {
                session.bytesFromClient += ((ByteBuf) m).readableBytes();
                backend.write(m);
            }
            backend.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener((ChannelFuture w) -> {
                if (!w.isSuccess()) {
                    session.abort("target_write_failed", Outcome.FAILURE, String.valueOf(w.cause()));
                    return;
                }
                if (session.clientInputShut()) ((SocketChannel) backend).shutdownOutput();
                else frontend.read();
                backend.read();
            });
        });
    }

    private static String connectFailure(Throwable cause) {
        if (cause instanceof ConnectTimeoutException) return "connect_timeout";
        if (cause instanceof ConnectException) return "connect_refused";
        return "connect_failed";
    }

    private void drainQueue() {
        Object m;
        while ((m = beforeConnect.poll()) != null) ReferenceCountUtil.release(m);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            session.inputShutdown(true);
        } else if (evt instanceof IdleStateEvent) {
            session.abort("idle_timeout", Outcome.INFO, "no traffic for " + rc.options().idleTimeout());
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (maxDuration != null) maxDuration.cancel(false);
        drainQueue();
        if (session != null) session.end("client_closed", Outcome.SUCCESS, "client closed the connection");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (session == null || !session.isAdmitted()) {
            ctx.close(); // refused connections were audited when refused
            return;
        }
        if (cause instanceof RdpPreambleException e) {
            // An incomplete preamble at close is the client's doing only if the gateway did not end the relay first
            // (shutdown, grant end, timeouts): those are audited by the closing event alone.
            if (session.endedByGateway()) return;
            session.emit(session.event(AuditType.RDP_PREAMBLE_REJECTED, Outcome.DENIED, e.reason().code())
                    .field("detail", e.getMessage()));
            session.abort("preamble_rejected", Outcome.DENIED, e.reason().code());
            return;
        }
        String code = cause instanceof java.io.IOException ? "client_reset" : "client_error";
        session.abort(code, Outcome.FAILURE, String.valueOf(cause.getMessage()));
    }
}
