package io.jumpgate.gateway.ssh;

import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.channel.RequestHandler.Result;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.channel.ChannelSession;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A session channel whose agent and X11 forwarding requests are refused and audited. (MINA answers them
 * without consulting the forwarding filter when no agent or X11 support is installed, so nothing would
 * be audited.)
 */
final class GatewaySessionChannel extends ChannelSession {
    private static final AttributeRepository.AttributeKey<AtomicInteger> OPEN = new AttributeRepository.AttributeKey<>();
    private final GatewayForwardingFilter filter;

    GatewaySessionChannel(GatewayForwardingFilter filter) {
        this.filter = filter;
    }

    static ChannelFactory factory(GatewayForwardingFilter filter) {
        return new ChannelFactory() {
            @Override
            public String getName() {
                return "session";
            }

            @Override
            public Channel createChannel(Session session) {
                // Each session channel's command runs on a thread of its own: one connection may hold MAX_SESSIONS (a
                // client opening hundreds with a zero window would otherwise park as many threads).
                AtomicInteger open = session.computeAttributeIfAbsent(OPEN, k -> new AtomicInteger());
                if (open.incrementAndGet() > SshGateway.MAX_SESSIONS) {
                    open.decrementAndGet();
                    filter.refuse(session, "session", "more than " + SshGateway.MAX_SESSIONS
                            + " session channels open on one connection", null, 0);
                    return null; // MINA answers with a channel open failure
                }
                GatewaySessionChannel ch = new GatewaySessionChannel(filter);
                ch.addCloseFutureListener(f -> open.decrementAndGet());
                return ch;
            }
        };
    }

    /** A terminal is refused to a certificate whose issuer left {@code permit-pty} out, as sshd refuses it. */
    @Override
    protected Result handlePtyReq(Buffer buffer, boolean wantReply) throws java.io.IOException {
        SessionContext ctx = SshSessions.context(getSession());
        if (ctx != null && !ctx.credential().permits(SessionContext.Credential.PERMIT_PTY)) {
            filter.refuse(getSession(), "pty-req", "certificate '" + ctx.credential().certId() + "' does not permit a pty",
                    null, 0);
            return Result.ReplyFailure;
        }
        return super.handlePtyReq(buffer, wantReply);
    }

    /** No subsystem (sftp…) is offered on the gateway itself: refused, and audited like other refusals. */
    @Override
    protected Result handleSubsystem(String request, Buffer buffer, boolean wantReply) {
        int start = buffer.rpos();
        String name = buffer.getString();
        buffer.rpos(start);
        filter.refuse(getSession(), "subsystem:" + name, "the gateway offers no subsystems (use ssh -J gw TARGET for sftp/scp)",
                null, 0);
        return Result.ReplyFailure;
    }

    @Override
    protected Result handleAgentForwarding(String requestType, Buffer buffer, boolean wantReply) {
        filter.canForwardAgent(getSession(), requestType);
        return Result.ReplyFailure;
    }

    @Override
    protected Result handleX11Forwarding(String requestType, Buffer buffer, boolean wantReply) {
        filter.canForwardX11(getSession(), requestType);
        return Result.ReplyFailure;
    }
}
