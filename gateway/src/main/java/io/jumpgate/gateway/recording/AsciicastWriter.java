package io.jumpgate.gateway.recording;

import io.jumpgate.core.util.Json;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Writes one asciicast v2 recording: a header line, then one JSON array line per event ({@code [t, "o", data]}).
 * Each line goes out in one {@code write} and is flushed, so a crash leaves a playable file. Terminal bytes
 * are decoded as UTF-8 across chunk boundaries (a character split between two reads is not mangled).
 * Keeps the SHA-256 of every line written; after a failed write the writer refuses more (the file ends at
 * the last complete event). Not thread-safe: callers serialise events.
 */
public final class AsciicastWriter implements Closeable {
    private final OutputStream out;
    private final LongSupplier nanoTime;
    private final long start;
    private final MessageDigest digest;
    private final Utf8Chunks outputText = new Utf8Chunks();
    private final Utf8Chunks inputText = new Utf8Chunks();
    private long bytes;
    private IOException failure;
    private boolean closed;

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
        writeLine(header.toJson());
    }

    /** Terminal output ({@code "o"}). */
    public void output(byte[] b, int off, int len) throws IOException {
        event("o", outputText, b, off, len);
    }

    /** What the user typed ({@code "i"}). */
    public void input(byte[] b, int off, int len) throws IOException {
        event("i", inputText, b, off, len);
    }

    /** A terminal resize ({@code "r"}, data {@code COLSxROWS}). */
    public void resize(int cols, int rows) throws IOException {
        writeLine(eventLine("r", cols + "x" + rows));
    }

    private void event(String code, Utf8Chunks text, byte[] b, int off, int len) throws IOException {
        String data = text.decode(b, off, len);
        if (!data.isEmpty()) writeLine(eventLine(code, data));
    }

    /** Decodes a byte stream chunk by chunk; an incomplete trailing sequence waits for the next chunk. */
    private static final class Utf8Chunks {
        private final CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        private byte[] carry = new byte[0];

        String decode(byte[] b, int off, int len) {
            ByteBuffer src = carry.length == 0 ? ByteBuffer.wrap(b, off, len)
                    : ByteBuffer.allocate(carry.length + len).put(carry).put(b, off, len).flip();
            CharBuffer chars = CharBuffer.allocate(src.remaining() + 1);
            dec.decode(src, chars, false);
            carry = new byte[src.remaining()];
            src.get(carry);
            return chars.flip().toString();
        }
    }

    private String eventLine(String code, String data) {
        long micros = (nanoTime.getAsLong() - start) / 1000;
        StringBuilder b = new StringBuilder(data.length() + 32);
        b.append('[').append(String.format(Locale.ROOT, "%d.%06d", micros / 1_000_000, micros % 1_000_000))
                .append(", \"").append(code).append("\", ");
        Json.appendString(b, data);
        return b.append(']').toString();
    }

    private void writeLine(String line) throws IOException {
        if (failure != null) throw new IOException("recording already failed: " + failure.getMessage(), failure);
        if (closed) throw new IOException("recording is closed");
        byte[] data = (line + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            out.write(data);
            out.flush();
        } catch (IOException e) {
            failure = e;
            throw e;
        }
        digest.update(data);
        bytes += data.length;
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

    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        out.close();
    }
}
