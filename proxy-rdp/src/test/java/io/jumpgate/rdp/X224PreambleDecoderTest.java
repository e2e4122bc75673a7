package io.jumpgate.rdp;

import io.jumpgate.rdp.RdpPreambleException.Reason;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class X224PreambleDecoderTest {
    static final int CAP = 1024;

    static EmbeddedChannel channel() {
        return new EmbeddedChannel(new X224PreambleDecoder(CAP, Duration.ofSeconds(5)));
    }

    static Reason rejected(byte[] input) {
        EmbeddedChannel ch = channel();
        RdpPreambleException e = assertThrows(RdpPreambleException.class, () -> ch.writeInbound(Unpooled.wrappedBuffer(input)));
        ch.finishAndReleaseAll();
        return e.reason();
    }

    @Test
    void decodesFreeRdpRequestAndPassesExactBytesThenRemovesItself() {
        byte[] req = Preambles.connectionRequest("jgtest", RdpPreamble.PROTOCOL_SSL | RdpPreamble.PROTOCOL_HYBRID);
        byte[] after = "next-pdu".getBytes(StandardCharsets.US_ASCII);
        EmbeddedChannel ch = channel();
        ByteBuf in = Unpooled.buffer().writeBytes(req).writeBytes(after);
        ch.writeInbound(in.readRetainedSlice(5));
        assertNull(ch.readInbound(), "nothing before the request is complete");
        ch.writeInbound(in);
        RdpPreamble p = ch.readInbound();
        assertEquals("jgtest", p.cookie());
        assertTrue(p.negotiation());
        assertEquals(List.of("TLS", "CredSSP"), p.protocolNames());
        assertArrayEquals(req, bytes(p.raw()));
        p.release();
        ByteBuf rest = ch.readInbound();
        assertArrayEquals(after, bytes(rest));
        rest.release();
        assertNull(ch.pipeline().get(X224PreambleDecoder.class), "decoder removed itself");
        assertFalse(ch.finish());
    }

    @Test
    void acceptsRequestWithoutCookieOrNegotiation() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.wrappedBuffer(Preambles.connectionRequest(null, -1)));
        RdpPreamble p = ch.readInbound();
        assertNull(p.cookie());
        assertFalse(p.negotiation());
        assertEquals(List.of("RDP"), p.protocolNames());
        p.release();
    }

    @Test
    void acceptsCorrelationInfoAndNamesEveryProtocol() {
        byte[] neg = {1, 0x08, 8, 0, 0x1f, 0, 0, 0};
        byte[] corr = new byte[36];
        corr[0] = 6;
        corr[2] = 36;
        byte[] var = new byte[44];
        System.arraycopy(neg, 0, var, 0, 8);
        System.arraycopy(corr, 0, var, 8, 36);
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.wrappedBuffer(Preambles.wrap(var)));
        RdpPreamble p = ch.readInbound();
        assertEquals(List.of("TLS", "CredSSP", "RDSTLS", "CredSSP-EX", "RDSAAD"), p.protocolNames());
        p.release();
    }

    @Test
    void shortTpkt() {
        assertEquals(Reason.SHORT_TPKT, rejected(new byte[] {3, 0, 0, 7, 2, (byte) 0xe0, 0}));
    }

    @Test
    void wrongVersion() {
        assertEquals(Reason.NOT_TPKT, rejected("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(Reason.NOT_TPKT, rejected(new byte[] {3, 1, 0, 11}));
    }

    @Test
    void lengthMismatch() {
        byte[] req = Preambles.connectionRequest("a", 1);
        req[4]--;
        assertEquals(Reason.LENGTH_MISMATCH, rejected(req));
    }

    @Test
    void lengthOverTheCapIsRefusedBeforeBuffering() {
        EmbeddedChannel ch = channel();
        RdpPreambleException e = assertThrows(RdpPreambleException.class,
                () -> ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {3, 0, (byte) 0xff, (byte) 0xff})));
        assertEquals(Reason.TOO_LONG, e.reason());
        ch.finishAndReleaseAll();
    }

    @Test
    void wrongX224Code() {
        byte[] req = Preambles.connectionRequest("a", 1);
        req[5] = (byte) 0xd0; // connection confirm
        assertEquals(Reason.NOT_CONNECTION_REQUEST, rejected(req));
    }

    @Test
    void unterminatedCookie() {
        assertEquals(Reason.COOKIE_UNTERMINATED, rejected(Preambles.wrap("Cookie: mstshash=abc".getBytes(StandardCharsets.US_ASCII))));
    }

    @Test
    void cookieTooLong() {
        assertEquals(Reason.COOKIE_TOO_LONG, rejected(Preambles.connectionRequest("x".repeat(200), 1)));
    }

    @Test
    void cookieWithControlBytes() {
        assertEquals(Reason.COOKIE_INVALID, rejected(Preambles.connectionRequest("a\u0001b", 1)));
    }

    @Test
    void badNegotiationType() {
        byte[] req = Preambles.connectionRequest("a", 1);
        req[req.length - 8] = 2; // RDP_NEG_RSP where a request belongs
        assertEquals(Reason.BAD_NEGOTIATION, rejected(req));
    }

    @Test
    void badNegotiationLength() {
        byte[] req = Preambles.connectionRequest("a", 1);
        req[req.length - 6] = 9;
        assertEquals(Reason.BAD_NEGOTIATION, rejected(req));
    }

    @Test
    void truncatedNegotiation() {
        assertEquals(Reason.BAD_NEGOTIATION, rejected(Preambles.wrap(new byte[] {1, 0, 8, 0})));
    }

    @Test
    void trailingGarbage() {
        byte[] req = Preambles.connectionRequest("a", 1);
        byte[] var = Arrays.copyOfRange(req, 11, req.length + 3);
        assertEquals(Reason.TRAILING_DATA, rejected(Preambles.wrap(var)));
        assertEquals(Reason.TRAILING_DATA, rejected(Preambles.wrap("hello".getBytes(StandardCharsets.US_ASCII))));
    }

    @Test
    void clientClosesBeforeTheRequestIsComplete() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {3, 0, 0, 19}));
        assertThrows(RdpPreambleException.class, ch::finish);
        ch.finishAndReleaseAll();
    }

    @Test
    void noDataBeforeTheDeadline() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(new X224PreambleDecoder(CAP, Duration.ofSeconds(5)));
        Throwable[] seen = new Throwable[1];
        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                seen[0] = cause;
            }
        });
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {3, 0}));
        ch.advanceTimeBy(4, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertNull(seen[0]);
        ch.advanceTimeBy(2, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertEquals(Reason.TIMEOUT, assertInstanceOf(RdpPreambleException.class, seen[0]).reason());
        ch.finishAndReleaseAll();
    }

    static byte[] bytes(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.getBytes(b.readerIndex(), out);
        return out;
    }
}
