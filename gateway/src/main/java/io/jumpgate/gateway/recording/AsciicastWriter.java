package io.jumpgate.gateway.recording;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.function.LongSupplier;

/**
 * Writes one asciicast v2 recording: a header line, then one JSON array line per event ({@code [t, "o", data]}).
 * Each line goes out in one {@code write} and is flushed, so a crash leaves a playable file.
 *
 * <p>Terminal bytes are JSON-encoded straight from UTF-8 (no detour through Java strings: this runs on the
 * session's data path): valid sequences are copied, control characters escaped (C0, and the C1 controls
 * U+0080..U+009F, which terminals act on; DEL, which they ignore, is copied: checking for it too costs the ASCII fast
 * path about 8%), invalid bytes become U+FFFD, and a character split between two chunks is carried over to the next
 * one. Keeps the SHA-256 of every line written;
 * after a failed write the writer refuses more (the file ends at the last complete event). Not thread-safe:
 * callers serialise events.
 */
public final class AsciicastWriter implements Closeable {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L, HIGHS = 0x8080808080808080L;
    private static final byte[] REPLACEMENT = {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD};

    private final OutputStream out;
    private final LongSupplier nanoTime;
    private final long start;
    private final MessageDigest digest;
    private final Carry outputCarry = new Carry();
    private final Carry inputCarry = new Carry();
    private byte[] line = new byte[64 * 1024];
    private int len;
    /** Appending events to {@link #line} for one write ({@link #outputs}). */
    private boolean batch;
    private long bytes;
    private IOException failure;
    private boolean closed;

    /** Up to three bytes of a UTF-8 sequence that a chunk ended in the middle of. */
    private static final class Carry {
        final byte[] bytes = new byte[3];
        int len;
    }

    /**
     * @param out      where lines go (the recording file); each line is one write followed by flush
     * @param nanoTime monotonic clock for event offsets ({@code System::nanoTime})
     */
    public AsciicastWriter(OutputStream out, LongSupplier nanoTime) {
        this.out = out;
        this.nanoTime = nanoTime;
        this.start = nanoTime.getAsLong();
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public void header(AsciicastHeader header) throws IOException {
        byte[] h = (header.toJson() + "\n").getBytes(StandardCharsets.UTF_8);
        len = 0;
        ensure(h.length);
        System.arraycopy(h, 0, line, 0, h.length);
        len = h.length;
        writeLine();
    }

    /** Terminal output ({@code "o"}). */
    public void output(byte[] b, int off, int n) throws IOException {
        event((byte) 'o', outputCarry, b, off, n);
    }

    /**
     * Terminal output chunks, one {@code "o"} event each, written together in one {@code write} (group commit: the
     * file still only ever ends at a complete line).
     */
    public void outputs(java.util.List<byte[]> chunks) throws IOException {
        len = 0;
        batch = true;
        int[] ends = new int[chunks.size()];
        int events = 0;
        try {
            for (byte[] c : chunks) {
                int before = len;
                event((byte) 'o', outputCarry, c, 0, c.length);
                if (len != before) ends[events++] = len;
            }
        } finally {
            batch = false;
        }
        if (len == 0) return;
        checkWritable();
        try {
            put(0, len);
        } catch (IOException batchFailed) {
            // The batch does not fit (a full disk): keep as many of its events as still fit, one by one, so the
            // recording ends as late as it can. Callers treat the batch as failed either way.
            int from = 0;
            for (int k = 0; k < events; k++) {
                writeRange(from, ends[k]);
                from = ends[k];
            }
        }
    }

    /** What the user typed ({@code "i"}). */
    public void input(byte[] b, int off, int n) throws IOException {
        event((byte) 'i', inputCarry, b, off, n);
    }

    /** A terminal resize ({@code "r"}, data {@code COLSxROWS}). */
    public void resize(int cols, int rows) throws IOException {
        byte[] data = (cols + "x" + rows).getBytes(StandardCharsets.US_ASCII);
        begin((byte) 'r', data.length);
        System.arraycopy(data, 0, line, len, data.length);
        len += data.length;
        end();
    }

    private void event(byte code, Carry carry, byte[] b, int off, int n) throws IOException {
        if (carry.len > 0) {
            byte[] joined = Arrays.copyOf(carry.bytes, carry.len + n);
            System.arraycopy(b, off, joined, carry.len, n);
            carry.len = 0;
            b = joined;
            off = 0;
            n = joined.length;
        }
        int lineStart = batch ? len : 0;
        begin(code, n * 6);
        int dataStart = len;
        encode(carry, b, off, n);
        if (len == dataStart) { // all carried over
            len = lineStart;
            return;
        }
        end();
    }

    private void begin(byte code, int dataBound) {
        if (!batch) len = 0;
        ensure(dataBound + 40);
        line[len++] = '[';
        long micros = Math.max(0, (nanoTime.getAsLong() - start) / 1000);
        appendLong(micros / 1_000_000);
        line[len++] = '.';
        long frac = micros % 1_000_000;
        for (long d = 100_000; d > 0; d /= 10) line[len++] = (byte) ('0' + (frac / d) % 10);
        line[len++] = ',';
        line[len++] = ' ';
        line[len++] = '"';
        line[len++] = code;
        line[len++] = '"';
        line[len++] = ',';
        line[len++] = ' ';
        line[len++] = '"';
    }

    private void end() throws IOException {
        line[len++] = '"';
        line[len++] = ']';
        line[len++] = '\n';
        if (!batch) writeLine();
    }

    private void appendLong(long v) {
        String s = Long.toString(v);
        for (int i = 0; i < s.length(); i++) line[len++] = (byte) s.charAt(i);
    }

    private void ensure(int extra) {
        if (len + extra > line.length) line = Arrays.copyOf(line, Math.max(line.length * 2, len + extra));
    }

    /** JSON string content from UTF-8 bytes; an incomplete trailing sequence goes to {@code carry}. */
    private void encode(Carry carry, byte[] b, int off, int n) {
        byte[] l = line;
        int o = len;
        int i = off, end = off + n;
        while (i < end) {
            // Fast path: printable ASCII eight bytes at a time, stored as they are checked; in the first eight that
            // hold a byte needing care, the bytes before it are kept (the rest of the store is overwritten next).
            while (i + 8 <= end) {
                long v = (long) LONGS.get(b, i);
                long special = special(v);
                LONGS.set(l, o, v);
                if (special == 0) {
                    i += 8;
                    o += 8;
                    continue;
                }
                int k = Long.numberOfTrailingZeros(special) >>> 3;
                i += k;
                o += k;
                break;
            }
            while (i < end) { // fewer than eight left, or at the byte needing care
                byte c = b[i];
                if (c < 0x20 || c == '"' || c == '\\') break;
                l[o++] = c;
                i++;
            }
            if (i == end) break;
            int x = b[i] & 0xff;
            if (x == '"' || x == '\\') {
                l[o++] = '\\';
                l[o++] = (byte) x;
                i++;
                continue;
            }
            if (x < 0x20) {
                l[o++] = '\\';
                switch (x) {
                    case '\n' -> l[o++] = 'n';
                    case '\r' -> l[o++] = 'r';
                    case '\t' -> l[o++] = 't';
                    case '\b' -> l[o++] = 'b';
                    case '\f' -> l[o++] = 'f';
                    default -> {
                        l[o++] = 'u';
                        l[o++] = '0';
                        l[o++] = '0';
                        l[o++] = HEX[x >> 4];
                        l[o++] = HEX[x & 0xf];
                    }
                }
                i++;
                continue;
            }
            int need = x >= 0xC2 && x <= 0xDF ? 1 : x >= 0xE0 && x <= 0xEF ? 2 : x >= 0xF0 && x <= 0xF4 ? 3 : -1;
            int have = Math.min(need, end - i - 1);
            boolean ok = need > 0;
            for (int k = 1; ok && k <= have; k++) ok = continuation(x, k, b[i + k] & 0xff);
            if (ok && have < need) {
                carry.len = end - i;
                System.arraycopy(b, i, carry.bytes, 0, carry.len);
                break;
            }
            if (ok && x == 0xC2 && b[i + 1] <= (byte) 0x9F) {
                // A C1 control (U+0080..U+009F: 8-bit CSI, OSC, ST...), which terminals act on: escaped, so that the
                // file (`recordings export` to a terminal) carries none raw. JSON readers take both forms.
                l[o++] = '\\';
                l[o++] = 'u';
                l[o++] = '0';
                l[o++] = '0';
                l[o++] = HEX[(b[i + 1] >> 4) & 0xf];
                l[o++] = HEX[b[i + 1] & 0xf];
                i += 2;
            } else if (ok) {
                System.arraycopy(b, i, l, o, need + 1);
                o += need + 1;
                i += need + 1;
            } else {
                System.arraycopy(REPLACEMENT, 0, l, o, 3);
                o += 3;
                i++;
            }
        }
        len = o;
    }

    /** Are all eight bytes of {@code v} printable ASCII that JSON copies as is (0x20..0x7F but {@code "} and {@code \\})? */
    static boolean plain(long v) {
        return special(v) == 0;
    }

    /**
     * The bytes of {@code v} (little-endian: the first byte in memory is the lowest) that JSON does not copy as is,
     * each marked by its high bit: below 0x20, {@code "}, {@code \\}, or non-ASCII. Bit tricks for "some byte is
     * zero" ({@code (x - 0x01..) & ~x & 0x80..}) and "below 0x20" can also mark bytes above a marked one (borrows),
     * never below: the lowest mark is always exact, which is all the caller uses.
     */
    static long special(long v) {
        long below = (v - 0x2020202020202020L) & ~v;
        long x = v ^ 0x2222222222222222L, quote = (x - ONES) & ~x;
        long y = v ^ 0x5C5C5C5C5C5C5C5CL, backslash = (y - ONES) & ~y;
        return (v | below | quote | backslash) & HIGHS;
    }

    /** Is {@code c} a valid {@code k}-th byte after lead byte {@code lead} (no overlongs, surrogates, > U+10FFFF)? */
    private static boolean continuation(int lead, int k, int c) {
        if (c < 0x80 || c > 0xBF) return false;
        if (k > 1) return true;
        return switch (lead) {
            case 0xE0 -> c >= 0xA0;
            case 0xED -> c <= 0x9F;
            case 0xF0 -> c >= 0x90;
            case 0xF4 -> c <= 0x8F;
            default -> true;
        };
    }

    private void writeLine() throws IOException {
        checkWritable();
        writeRange(0, len);
    }

    private void checkWritable() throws IOException {
        if (failure != null) throw new IOException("recording already failed: " + failure.getMessage(), failure);
        if (closed) throw new IOException("recording is closed");
    }

    /** {@link #put}, and a failure is final: the writer refuses more. */
    private void writeRange(int from, int to) throws IOException {
        try {
            put(from, to);
        } catch (IOException e) {
            failure = e;
            throw e;
        }
    }

    /** One write of {@code line[from, to)}: whole lines, kept (and hashed) only if the write succeeds. */
    private void put(int from, int to) throws IOException {
        out.write(line, from, to - from);
        out.flush();
        digest.update(line, from, to - from);
        bytes += to - from;
    }

    public boolean failed() {
        return failure != null;
    }

    public long bytes() {
        return bytes;
    }

    /** Hex SHA-256 of every line written so far (equals the file's hash once closed). */
    public String sha256() {
        try {
            return HexFormat.of().formatHex(((MessageDigest) digest.clone()).digest());
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Closes the file. Bytes still held for an unfinished character (output that ended mid-sequence) were shown to the
     * user: they are recorded first, as U+FFFD, as a terminal shows them.
     */
    @Override
    public void close() throws IOException {
        if (closed) return;
        try {
            if (failure == null) {
                unfinished((byte) 'o', outputCarry);
                unfinished((byte) 'i', inputCarry);
            }
        } finally {
            closed = true;
            out.close();
        }
    }

    private void unfinished(byte code, Carry carry) throws IOException {
        if (carry.len == 0) return;
        carry.len = 0;
        begin(code, REPLACEMENT.length);
        System.arraycopy(REPLACEMENT, 0, line, len, REPLACEMENT.length);
        len += REPLACEMENT.length;
        end();
    }
}
