package io.jumpgate.rdp;

import io.jumpgate.core.audit.Outcome;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;

/** Target side of one relay: target bytes go to the client read-one-write-one, as in {@link FrontendHandler}. */
final class BackendHandler extends ChannelInboundHandlerAdapter {
    private final RelaySession session;

    BackendHandler(RelaySession session) {
        this.session = session;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        session.bytesToClient += ((ByteBuf) msg).readableBytes();
        session.frontend.writeAndFlush(msg).addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                if (!session.targetInputShut()) ctx.channel().read(); // as in FrontendHandler
            }
            else session.abort("client_write_failed", Outcome.FAILURE, String.valueOf(f.cause()));
        });
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) session.inputShutdown(false);
        else ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        session.end("target_closed", Outcome.SUCCESS, "target closed the connection");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        session.abort(cause instanceof java.io.IOException ? "target_reset" : "target_error", Outcome.FAILURE, String.valueOf(cause.getMessage()));
    }
}
