package io.jumpgate.gateway.ssh;

import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.channel.RequestHandler.Result;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.channel.ChannelSession;

/**
 * A session channel whose agent and X11 forwarding requests are refused and audited. (MINA answers them
 * without consulting the forwarding filter when no agent or X11 support is installed, so nothing would
 * be audited.)
 */
final class GatewaySessionChannel extends ChannelSession {
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
                return new GatewaySessionChannel(filter);
            }
        };
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
