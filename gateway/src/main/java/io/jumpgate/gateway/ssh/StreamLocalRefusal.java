package io.jumpgate.gateway.ssh;

import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.helpers.AbstractConnectionServiceRequestHandler;
import org.apache.sshd.common.util.buffer.Buffer;

/** Unix-socket forwarding in both directions is refused and audited (MINA would refuse it silently). */
final class StreamLocalRefusal {
    static final String CHANNEL = "direct-streamlocal@openssh.com";
    static final String GLOBAL = "streamlocal-forward@openssh.com";

    private StreamLocalRefusal() {}

    /** Refuses {@code ssh -L port:/path/socket}: no channel is created, the client sees the open fail. */
    static ChannelFactory channels(GatewayForwardingFilter filter) {
        return new ChannelFactory() {
            @Override
            public String getName() {
                return CHANNEL;
            }

            @Override
            public Channel createChannel(Session session) {
                filter.refuse(session, CHANNEL, "stream-local forwarding is disabled", null, 0);
                return null;
            }
        };
    }

    /** Refuses {@code ssh -R /path/socket:…}. */
    static AbstractConnectionServiceRequestHandler globalRequests(GatewayForwardingFilter filter) {
        return new AbstractConnectionServiceRequestHandler() {
            @Override
            public Result process(ConnectionService service, String request, boolean wantReply, Buffer buffer) {
                if (!GLOBAL.equals(request)) {
                    return Result.Unsupported;
                }
                filter.refuse(service.getSession(), request, "stream-local forwarding is disabled", null, 0);
                return Result.ReplyFailure;
            }
        };
    }
}
