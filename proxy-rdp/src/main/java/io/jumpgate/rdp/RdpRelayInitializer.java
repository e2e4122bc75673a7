package io.jumpgate.rdp;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateHandler;

import java.util.concurrent.TimeUnit;

/** Pipeline of an accepted client connection: idle timer, X.224 preamble decoder (unless raw), frontend. */
final class RdpRelayInitializer extends ChannelInitializer<SocketChannel> {
    private final RelayContext rc;
    private final PortMapping mapping;
    private final int portIndex;

    RdpRelayInitializer(RelayContext rc, PortMapping mapping, int portIndex) {
        this.rc = rc;
        this.mapping = mapping;
        this.portIndex = portIndex;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ChannelPipeline p = ch.pipeline();
        p.addLast("idle", new IdleStateHandler(0, 0, rc.options().idleTimeout().toNanos(), TimeUnit.NANOSECONDS));
        if (!mapping.raw()) {
            p.addLast("x224", new X224PreambleDecoder(rc.options().preambleMaxBytes(), rc.options().preambleTimeout()));
        }
        p.addLast("frontend", new FrontendHandler(rc, mapping, portIndex));
    }
}
