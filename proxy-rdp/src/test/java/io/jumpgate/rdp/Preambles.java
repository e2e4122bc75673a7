package io.jumpgate.rdp;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Builds X.224 Connection Requests the way mstsc and FreeRDP send them. */
final class Preambles {
    private Preambles() {}

    /** TPKT + X.224 CR with an optional cookie line and an optional RDP_NEG_REQ ({@code protocols < 0}: none). */
    static byte[] connectionRequest(String cookie, int protocols) {
        ByteArrayOutputStream var = new ByteArrayOutputStream();
        if (cookie != null) var.writeBytes(("Cookie: mstshash=" + cookie + "\r\n").getBytes(StandardCharsets.US_ASCII));
        if (protocols >= 0) var.writeBytes(new byte[] {1, 0, 8, 0, (byte) protocols, (byte) (protocols >> 8), (byte) (protocols >> 16), (byte) (protocols >>> 24)});
        return wrap(var.toByteArray());
    }

    /** TPKT + X.224 CR fixed part (correct lengths) + {@code variable}. */
    static byte[] wrap(byte[] variable) {
        int length = 4 + 7 + variable.length;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {3, 0, (byte) (length >> 8), (byte) length, (byte) (6 + variable.length), (byte) 0xe0, 0, 0, 0, 0, 0});
        out.writeBytes(variable);
        return out.toByteArray();
    }
}
