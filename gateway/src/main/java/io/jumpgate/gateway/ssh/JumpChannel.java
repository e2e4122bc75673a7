package io.jumpgate.gateway.ssh;

import io.jumpgate.core.audit.AuditEvent;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.AuditWriteException;
import io.jumpgate.core.audit.Outcome;
import io.jumpgate.core.policy.Decision;
import io.jumpgate.core.policy.DenyReason;
import io.jumpgate.core.policy.RecordingMode;
import io.jumpgate.core.target.Target;
import io.jumpgate.gateway.GatewayServices;
import io.jumpgate.gateway.LiveConnections;
import org.apache.sshd.client.future.DefaultOpenFuture;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.channel.ChannelListener;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.server.forward.TcpForwardingFilter;
import org.apache.sshd.server.forward.TcpipServerChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@code direct-tcpip} channel ({@code ssh -J}, {@code -W}, {@code -L}) decided by the access policy. The
 * requested host is resolved in the inventory (never DNS); the connection goes to the target's address.
 * Refusals reach the client as "administratively prohibited" and audit as {@code forward.denied} with the
 * reason. Bytes each way and the duration are audited when the channel closes.
 */
final class JumpChannel extends TcpipServerChannel {
    private static final Logger LOG = LoggerFactory.getLogger(JumpChannel.class);

    private final GatewayServices services;
    private final AtomicLong toTarget = new AtomicLong();
    private final AtomicLong windowGranted = new AtomicLong();

    JumpChannel(GatewayServices services) {
        super(TcpForwardingFilter.Type.Direct, null);
        this.services = services;
    }

    static ChannelFactory factory(GatewayServices services) {
        return new ChannelFactory() {
            @Override
            public String getName() {
                return TcpForwardingFilter.Type.Direct.getName();
            }

            @Override
            public Channel createChannel(Session session) {
                return new JumpChannel(services);
            }
        };
    }

    @Override
    protected OpenFuture doInit(Buffer buffer) {
        int start = buffer.rpos();
        String host = buffer.getString();
        int port = buffer.getInt();
        String originatorIp = buffer.getString();
        int originatorPort = buffer.getInt();
        buffer.rpos(start);

        SessionContext ctx = SshSessions.context(getSession());
        if (ctx == null) {
            return refuse(null, "administratively prohibited");
        }
        Decision d = services.policy().forUser(ctx.user(), host, port, ctx.source().getAddress(),
                services.inventory().snapshot());
        if (!(d instanceof Decision.Allow allow)) {
            Decision.Deny deny = (Decision.Deny) d;
            Target t = deny.target();
            tryAudit(ctx.event(AuditType.FORWARD_DENIED).outcome(Outcome.DENIED, deny.reason().code())
                    .target(t == null ? host : t.name(), t == null ? null : t.addressText(), port)
                    .field("requested", host).field("detail", deny.detail()));
            return refuse(ctx, "administratively prohibited");
        }
        Target t = allow.target();
        if (!ctx.credential().permits(SessionContext.Credential.PERMIT_PORT_FORWARDING)) {
            // The issuing CA left port forwarding out (e.g. ssh-keygen -O clear, -O no-port-forwarding): sshd would refuse.
            tryAudit(ctx.event(AuditType.FORWARD_DENIED).outcome(Outcome.DENIED, DenyReason.FORWARDING_DISABLED.code())
                    .target(t.name(), t.addressText(), port).field("requested", host)
                    .field("detail", "certificate '" + ctx.credential().certId() + "' does not permit port forwarding"));
            return refuse(ctx, "administratively prohibited");
        }
        if (allow.recording() == RecordingMode.REQUIRED) {
            // The jump path is end-to-end encrypted: the gateway cannot record it.
            tryAudit(ctx.event(AuditType.FORWARD_DENIED).outcome(Outcome.DENIED, DenyReason.RECORDING_REQUIRED.code())
                    .target(t.name(), t.addressText(), port).field("requested", host)
                    .field("detail", "sessions to " + t.name() + " must be recorded; direct-tcpip cannot be"));
            return refuse(ctx, "recording required: use ssh -t gw " + t.name());
        }
        try {
            ctx.audit(ctx.event(AuditType.FORWARD_ALLOWED).target(t.name(), t.addressText(), port)
                    .field("requested", host).field("channel", getChannelId()).field("role", allow.role())
                    .field("grant", allow.grantId()));
        } catch (AuditWriteException e) {
            LOG.error("refusing forward to {}:{}: {}", t.name(), port, e.getMessage());
            return refuse(ctx, "administratively prohibited");
        }
        long initialWindow = getRemoteWindow().getSize();
        Instant opened = services.clock().instant();
        Runnable auditCut = () -> tryAudit(ctx.event(AuditType.CONNECTION_TERMINATED).outcome(Outcome.INFO, "grant_ended")
                .target(t.name(), t.addressText(), port).field("channel", getChannelId()).field("grant", allow.grantId()));
        LiveConnections.Registration tracked = allow.grantId() == null ? null
                : services.connections().register(allow.grantId(), () -> {
                    auditCut.run();
                    close(false);
                }, () -> services.stillAdmittedBy(allow.grantId(), ctx.user(), host, port, ctx.source().getAddress()));
        if (tracked != null && tracked.ended()) { // the grant ended while this forward was being admitted
            auditCut.run();
            return refuse(ctx, "administratively prohibited");
        }
        addChannelListener(new ChannelListener() {
            @Override
            public void channelClosed(Channel channel, Throwable reason) {
                if (tracked != null) tracked.close();
                long toClient = initialWindow + windowGranted.get() - getRemoteWindow().getSize();
                Instant now = services.clock().instant();
                tryAudit(ctx.event(AuditType.CHANNEL_CLOSED).outcome(reason == null ? Outcome.SUCCESS : Outcome.FAILURE,
                                reason == null ? "ok" : "error")
                        .target(t.name(), t.addressText(), port).field("channel", getChannelId())
                        .field("bytesToTarget", toTarget.get()).field("bytesToClient", toClient)
                        .field("durationMs", Duration.between(opened, now).toMillis())
                        .field("error", reason == null ? null : reason.toString()));
            }
        });
        ByteArrayBuffer resolved = new ByteArrayBuffer();
        resolved.putString(t.addressText());
        resolved.putInt(port);
        resolved.putString(originatorIp);
        resolved.putInt(originatorPort);
        return super.doInit(resolved);
    }

    private OpenFuture refuse(SessionContext ctx, String message) {
        OpenFuture f = new DefaultOpenFuture(this, this);
        try {
            f.setException(new SshChannelOpenException(getChannelId(), SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED,
                    message));
        } finally {
            close(true);
        }
        return f;
    }

    private void tryAudit(AuditEvent.Builder e) {
        try {
            services.audit().emit(e.build());
        } catch (AuditWriteException ex) {
            LOG.error("cannot write audit event {}: {}", e.build().type(), ex.getMessage());
        }
    }

    @Override
    protected void doWriteData(byte[] data, int off, long len) throws IOException {
        toTarget.addAndGet(len);
        super.doWriteData(data, off, len);
    }

    @Override
    public void handleWindowAdjust(Buffer buffer) throws IOException {
        int pos = buffer.rpos();
        windowGranted.addAndGet(buffer.getUInt());
        buffer.rpos(pos);
        super.handleWindowAdjust(buffer);
    }
}
