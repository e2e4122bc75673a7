package io.jumpgate.rdp;

import io.netty.handler.codec.DecoderException;

import java.util.Locale;

/** The one way a client's RDP preamble fails: the connection is closed and the reason audited. */
public final class RdpPreambleException extends DecoderException {
    /** Why the preamble was refused; {@link #code()} goes to audit. */
    public enum Reason {
        /** First byte is not TPKT version 3, or the reserved byte is not 0: not RDP. */
        NOT_TPKT,
        /** TPKT length smaller than a Connection Request can be. */
        SHORT_TPKT,
        /** TPKT length above the configured cap. */
        TOO_LONG,
        /** X.224 length indicator disagrees with the TPKT length. */
        LENGTH_MISMATCH,
        /** X.224 TPDU is not a Connection Request, or its fixed fields are wrong. */
        NOT_CONNECTION_REQUEST,
        /** A {@code Cookie:} line without CR LF before the end of the request. */
        COOKIE_UNTERMINATED,
        /** A cookie longer than allowed. */
        COOKIE_TOO_LONG,
        /** A cookie with bytes that are not printable ASCII. */
        COOKIE_INVALID,
        /** RDP_NEG_REQ with the wrong type, length or size. */
        BAD_NEGOTIATION,
        /** Bytes after the last recognised structure of the request. */
        TRAILING_DATA,
        /** The client closed before a complete request. */
        INCOMPLETE,
        /** No complete request before the deadline. */
        TIMEOUT;

        public String code() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Reason reason;

    public RdpPreambleException(Reason reason, String detail) {
        super(reason.code() + ": " + detail);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
