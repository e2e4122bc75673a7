package io.jumpgate.core.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
    private static final Pattern LINE = Pattern.compile(
            "^\\{\"seq\":(\\d{1,18}),\"prev\":\"([0-9a-f]{64})\",.*,\"hash\":\"([0-9a-f]{64})\"\\}$");

    private HashChain() {}

    /** Builds the line for {@code bodyJson} (a JSON object) at position {@code seq} after {@code prevHash}. */
    public static Line link(long seq, String prevHash, String bodyJson) {
        if (!bodyJson.startsWith("{") || !bodyJson.endsWith("}") || bodyJson.length() < 3) {
            throw new IllegalArgumentException("body must be a non-empty JSON object");
        }
        String unsigned = "{\"seq\":" + seq + ",\"prev\":\"" + prevHash + "\"," + bodyJson.substring(1, bodyJson.length() - 1);
        String hash = sha256(unsigned);
        return new Line(seq, prevHash, hash, unsigned + HASH_MARK + hash + "\"}");
    }

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
