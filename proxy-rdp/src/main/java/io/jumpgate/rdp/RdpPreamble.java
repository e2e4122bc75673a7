package io.jumpgate.rdp;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;

import java.util.ArrayList;
import java.util.List;

/**
 * A decoded X.224 Connection Request: what the client claims (never identity) and the exact bytes it sent,
 * which the relay forwards to the target unchanged.
 *
 * @param cookie             value of {@code Cookie: mstshash=}, or of another {@code Cookie:} line (routing
 *                           token), or null; client-controlled, for audit only
 * @param negotiation        true when an RDP_NEG_REQ was present
 * @param requestedProtocols RDP_NEG_REQ requestedProtocols bit mask (0 without negotiation: standard RDP security)
 * @param raw                the request's bytes; owned by this object
 */
public record RdpPreamble(String cookie, boolean negotiation, int requestedProtocols, ByteBuf raw)
        implements ReferenceCounted {
    public static final int PROTOCOL_SSL = 0x1;
    public static final int PROTOCOL_HYBRID = 0x2;
    public static final int PROTOCOL_RDSTLS = 0x4;
    public static final int PROTOCOL_HYBRID_EX = 0x8;
    public static final int PROTOCOL_RDSAAD = 0x10;

    /** Names of the requested protocols for audit: {@code RDP} alone means standard RDP security. */
    public List<String> protocolNames() {
        List<String> names = new ArrayList<>();
        if (requestedProtocols == 0) names.add("RDP");
        String[] known = {"TLS", "CredSSP", "RDSTLS", "CredSSP-EX", "RDSAAD"};
        int rest = requestedProtocols;
        for (int bit = 0; bit < known.length; bit++) {
            if ((requestedProtocols & (1 << bit)) != 0) {
                names.add(known[bit]);
                rest &= ~(1 << bit);
            }
        }
        if (rest != 0) names.add(String.format("0x%x", rest));
        return names;
    }

    @Override
    public int refCnt() {
        return raw.refCnt();
    }

    @Override
    public RdpPreamble retain() {
        raw.retain();
        return this;
    }

    @Override
    public RdpPreamble retain(int increment) {
        raw.retain(increment);
        return this;
    }

    @Override
    public RdpPreamble touch() {
        raw.touch();
        return this;
    }

    @Override
    public RdpPreamble touch(Object hint) {
        raw.touch(hint);
        return this;
    }

    @Override
    public boolean release() {
        return raw.release();
    }

    @Override
    public boolean release(int decrement) {
        return raw.release(decrement);
    }
}
