package io.jumpgate.rdp;

import io.jumpgate.rdp.RdpPreambleException.Reason;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Reads the client's first PDU, TPKT + X.224 Connection Request (MS-RDPBCGR 2.2.1.1), like Netty's
 * HAProxyMessageDecoder: the TPKT length is checked against the cap before anything is buffered, the
 * request is decoded once into an {@link RdpPreamble} carrying its exact bytes, and the decoder removes itself
 * (bytes the client sent after the request pass on untouched). Every failure, including the deadline,
 * is one {@link RdpPreambleException}.
 */
public final class X224PreambleDecoder extends ByteToMessageDecoder {
    static final int TPKT_HEADER = 4;
    static final int X224_CR_FIXED = 7;
    static final int MAX_COOKIE_BYTES = 128;
    private static final byte[] COOKIE = "Cookie: ".getBytes(StandardCharsets.US_ASCII);
    private static final String MSTSHASH = "mstshash=";
    private static final int TYPE_RDP_NEG_REQ = 0x01;
    private static final int NEG_REQ_LENGTH = 8;
    private static final int TYPE_RDP_CORRELATION_INFO = 0x06;
    private static final int CORRELATION_INFO_PRESENT = 0x08;
    private static final int CORRELATION_INFO_LENGTH = 36;

    private final int maxBytes;
    private final Duration timeout;
    private ScheduledFuture<?> deadline;
    private boolean done;

    public X224PreambleDecoder(int maxBytes, Duration timeout) {
        if (maxBytes < RdpRelayOptions.MIN_PREAMBLE_BYTES) throw new IllegalArgumentException("maxBytes too small");
        this.maxBytes = maxBytes;
        this.timeout = timeout;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        deadline = ctx.executor().schedule(() -> fail(ctx, new RdpPreambleException(Reason.TIMEOUT,
                "no complete connection request within " + timeout.toMillis() + " ms")), timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (deadline != null) deadline.cancel(false);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (done || in.readableBytes() < TPKT_HEADER) return;
        int start = in.readerIndex();
        if (in.getUnsignedByte(start) != 3 || in.getUnsignedByte(start + 1) != 0) {
            throw failed(Reason.NOT_TPKT, String.format("first bytes 0x%02x 0x%02x are not TPKT version 3",
                    in.getUnsignedByte(start), in.getUnsignedByte(start + 1)));
        }
        int length = in.getUnsignedShort(start + 2);
        if (length > maxBytes) throw failed(Reason.TOO_LONG, "TPKT length " + length + " above cap " + maxBytes);
        if (length < TPKT_HEADER + X224_CR_FIXED) {
            throw failed(Reason.SHORT_TPKT, "TPKT length " + length + " below " + (TPKT_HEADER + X224_CR_FIXED));
        }
        if (in.readableBytes() < length) return;
        RdpPreamble preamble = parse(in.slice(start, length));
        preamble = new RdpPreamble(preamble.cookie(), preamble.negotiation(), preamble.requestedProtocols(),
                in.readRetainedSlice(length));
        done = true;
        out.add(preamble);
        ctx.pipeline().remove(this);
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (done) return;
        decode(ctx, in, out);
        if (!done) {
            throw failed(Reason.INCOMPLETE, "client closed its side after " + in.readableBytes() + " bytes");
        }
    }

    /** Parses a complete request of exactly its TPKT length; {@code raw} in the result is null. */
    static RdpPreamble parse(ByteBuf pdu) {
        int length = pdu.readableBytes();
        int li = pdu.getUnsignedByte(TPKT_HEADER);
        if (li != length - TPKT_HEADER - 1) {
            throw failed(Reason.LENGTH_MISMATCH, "X.224 length indicator " + li + " but TPKT leaves " + (length - TPKT_HEADER - 1));
        }
        int code = pdu.getUnsignedByte(TPKT_HEADER + 1);
        if ((code & 0xf0) != 0xe0) {
            throw failed(Reason.NOT_CONNECTION_REQUEST, String.format("X.224 TPDU code 0x%02x is not a Connection Request", code));
        }
        if (pdu.getUnsignedShort(TPKT_HEADER + 2) != 0 || (pdu.getUnsignedByte(TPKT_HEADER + 6) & 0xf0) != 0) {
            throw failed(Reason.NOT_CONNECTION_REQUEST, "X.224 destination reference or class option not 0");
        }
        int pos = TPKT_HEADER + X224_CR_FIXED;
        String cookie = null;
        if (startsWith(pdu, pos, COOKIE)) {
            int end = crlf(pdu, pos, length);
            String line = pdu.toString(pos + COOKIE.length, end - pos - COOKIE.length, StandardCharsets.US_ASCII);
            for (int i = pos; i < end; i++) {
                int b = pdu.getUnsignedByte(i);
                if (b < 0x20 || b > 0x7e) throw failed(Reason.COOKIE_INVALID, String.format("byte 0x%02x in cookie", b));
            }
            cookie = line.startsWith(MSTSHASH) ? line.substring(MSTSHASH.length()) : line;
            pos = end + 2;
        }
        if (pos == length) return new RdpPreamble(cookie, false, 0, null);
        int remaining = length - pos;
        int type = pdu.getUnsignedByte(pos);
        if (type != TYPE_RDP_NEG_REQ) {
            if (remaining == NEG_REQ_LENGTH || remaining == NEG_REQ_LENGTH + CORRELATION_INFO_LENGTH) {
                throw failed(Reason.BAD_NEGOTIATION, String.format("negotiation type 0x%02x is not RDP_NEG_REQ", type));
            }
            throw failed(Reason.TRAILING_DATA, remaining + " unrecognised bytes after the X.224 header");
        }
        if (remaining < NEG_REQ_LENGTH) throw failed(Reason.BAD_NEGOTIATION, "RDP_NEG_REQ truncated to " + remaining + " bytes");
        int flags = pdu.getUnsignedByte(pos + 1);
        int negLength = pdu.getUnsignedShortLE(pos + 2);
        if (negLength != NEG_REQ_LENGTH) throw failed(Reason.BAD_NEGOTIATION, "RDP_NEG_REQ length " + negLength + ", expected 8");
        int protocols = pdu.getIntLE(pos + 4);
        pos += NEG_REQ_LENGTH;
        if ((flags & CORRELATION_INFO_PRESENT) != 0 && length - pos >= CORRELATION_INFO_LENGTH
                && pdu.getUnsignedByte(pos) == TYPE_RDP_CORRELATION_INFO
                && pdu.getUnsignedShortLE(pos + 2) == CORRELATION_INFO_LENGTH) {
            pos += CORRELATION_INFO_LENGTH;
        }
        if (pos != length) throw failed(Reason.TRAILING_DATA, (length - pos) + " bytes after RDP_NEG_REQ");
        return new RdpPreamble(cookie, true, protocols, null);
    }

    private static boolean startsWith(ByteBuf buf, int pos, byte[] prefix) {
        if (buf.readableBytes() - pos < prefix.length) return false;
        for (int i = 0; i < prefix.length; i++) {
            if (buf.getByte(pos + i) != prefix[i]) return false;
        }
        return true;
    }

    /** Index of the CR of the CR LF ending a cookie line that starts at {@code pos}. */
    private static int crlf(ByteBuf pdu, int pos, int length) {
        int limit = Math.min(length - 1, pos + MAX_COOKIE_BYTES);
        for (int i = pos; i < limit; i++) {
            if (pdu.getByte(i) == '\r' && pdu.getByte(i + 1) == '\n') return i;
        }
        if (length - 1 > pos + MAX_COOKIE_BYTES) throw failed(Reason.COOKIE_TOO_LONG, "cookie longer than " + MAX_COOKIE_BYTES + " bytes");
        throw failed(Reason.COOKIE_UNTERMINATED, "cookie without CR LF");
    }

    private static RdpPreambleException failed(Reason reason, String detail) {
        return new RdpPreambleException(reason, detail);
    }

    private void fail(ChannelHandlerContext ctx, RdpPreambleException e) {
        if (done) return;
        done = true;
        ctx.fireExceptionCaught(e);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        done = true;
        if (deadline != null) deadline.cancel(false);
        ctx.fireExceptionCaught(cause);
    }
}
