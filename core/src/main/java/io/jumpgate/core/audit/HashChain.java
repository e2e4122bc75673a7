package io.jumpgate.core.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The line format of the hash-chained audit log:
 * <pre>{"seq":N,"prev":"&lt;sha256 of line N-1&gt;", …event…, "hash":"&lt;sha256 of this line up to ,"hash"&gt;"}</pre>
 * A line's hash covers its sequence number, the previous line's hash and the whole event, so editing,
 * deleting or reordering any line breaks the chain at that line.
 */
public final class HashChain {
    public static final String GENESIS = "0".repeat(64);
    static final String HASH_MARK = ",\"hash\":\"";
    /** DOTALL: '.' must also take U+0085 and U+2028/9, which records written before they were escaped can hold. */
    private static final Pattern LINE = Pattern.compile(
            "^\\{\"seq\":(\\d{1,18}),\"prev\":\"([0-9a-f]{64})\",.*,\"hash\":\"([0-9a-f]{64})\"\\}$", Pattern.DOTALL);

    private HashChain() {}

    /** Builds the line for {@code bodyJson} (a JSON object) at position {@code seq} after {@code prevHash}. */
    public static Line link(long seq, String prevHash, String bodyJson) {
        if (!bodyJson.startsWith("{") || !bodyJson.endsWith("}") || bodyJson.length() < 3) {
            throw new IllegalArgumentException("body must be a non-empty JSON object");
        }
        Sealed s = seal(start(seq, prevHash).append(bodyJson, 1, bodyJson.length() - 1));
        String text = new String(s.bytes(), 0, s.bytes().length - 1, StandardCharsets.UTF_8);
        return new Line(seq, prevHash, s.hash(), text);
    }

    /** The start of line {@code seq} after {@code prevHash}; the caller appends the body's members (no braces). */
    static StringBuilder start(long seq, String prevHash) {
        return new StringBuilder(512).append("{\"seq\":").append(seq).append(",\"prev\":\"").append(prevHash).append("\",");
    }

    /** The finished line, newline included, in UTF-8: what {@link #start} began, then its hash. */
    static Sealed seal(StringBuilder unsigned) {
        byte[] body = unsigned.toString().getBytes(StandardCharsets.UTF_8);
        byte[] hash = HexFormat.of().formatHex(SHA256.get().digest(body)).getBytes(StandardCharsets.US_ASCII);
        byte[] mark = HASH_MARK_BYTES;
        byte[] line = Arrays.copyOf(body, body.length + mark.length + hash.length + 3);
        System.arraycopy(mark, 0, line, body.length, mark.length);
        System.arraycopy(hash, 0, line, body.length + mark.length, hash.length);
        int end = body.length + mark.length + hash.length;
        line[end] = '"';
        line[end + 1] = '}';
        line[end + 2] = '\n';
        return new Sealed(line, new String(hash, StandardCharsets.US_ASCII));
    }

    private static final byte[] HASH_MARK_BYTES = HASH_MARK.getBytes(StandardCharsets.US_ASCII);

    /** A finished line as written (UTF-8, ending in a newline) and its hash in hex. */
    record Sealed(byte[] bytes, String hash) {}

    /** Parses a line's chain fields; null if the line is not in chain format. */
    public static Line parse(String text) {
        Matcher m = LINE.matcher(text);
        if (!m.matches()) {
            return null;
        }
        return new Line(Long.parseLong(m.group(1)), m.group(2), m.group(3), text);
    }

    /** True when the line's own hash matches its content. */
    public static boolean selfConsistent(Line line) {
        int i = line.text().lastIndexOf(HASH_MARK);
        return i > 0 && sha256(line.text().substring(0, i)).equals(line.hash());
    }

    public static String sha256(String s) {
        return HexFormat.of().formatHex(SHA256.get().digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    /** One digest per thread: looking the algorithm up costs more than hashing an audit line. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    /** One chained line. */
    public record Line(long seq, String prev, String hash, String text) {}
}
