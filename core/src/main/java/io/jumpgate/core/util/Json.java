package io.jumpgate.core.util;

import java.time.Instant;
import java.util.Collection;
import java.util.Map;

/**
 * A minimal JSON writer for the audit log, so the security record depends on no serialization library. It is on
 * every relayed connection's path (two audit lines each), so strings without anything to escape are appended
 * whole and numbers and instants are written without intermediate strings.
 */
public final class Json {
    private Json() {}

    public static String string(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2);
        appendString(b, s);
        return b.toString();
    }

    public static void appendString(StringBuilder b, String s) {
        b.append('"');
        int from = 0;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            // Escaped besides what JSON requires: DEL and the C1 controls (U+0085 is a line break to some readers and
            // to regex '.'), U+2028/U+2029, and lone surrogates (UTF-8 cannot carry them): a record stays one line,
            // byte for byte what was hashed.
            if (c >= 0x20 && c != '"' && c != '\\' && (c < 0x7F || c > 0x9F) && c != 0x2028 && c != 0x2029
                    && !(Character.isSurrogate(c) && !pairedSurrogate(s, i))) continue;
            b.append(s, from, i);
            from = i + 1;
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> b.append("\\u").append(HEX[c >> 12 & 0xF]).append(HEX[c >> 8 & 0xF])
                        .append(HEX[c >> 4 & 0xF]).append(HEX[c & 0xF]);
            }
        }
        b.append(s, from, n).append('"');
    }

    /** Is the surrogate at {@code i} half of a valid pair? */
    private static boolean pairedSurrogate(String s, int i) {
        char c = s.charAt(i);
        return Character.isHighSurrogate(c) ? i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
                : i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    public static void appendValue(StringBuilder b, Object v) {
        if (v == null) {
            b.append("null");
        } else if (v instanceof String s) {
            appendString(b, s);
        } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            b.append(((Number) v).longValue());
        } else if (v instanceof Number || v instanceof Boolean) {
            b.append(v);
        } else if (v instanceof Map<?, ?> m) {
            b.append('{');
            appendMembers(b, m);
            b.append('}');
        } else if (v instanceof Collection<?> c) {
            b.append('[');
            boolean first = true;
            for (Object o : c) {
                if (!first) b.append(',');
                first = false;
                appendValue(b, o);
            }
            b.append(']');
        } else if (v instanceof Instant t) {
            b.append('"');
            appendInstant(b, t);
            b.append('"');
        } else {
            appendString(b, v.toString());
        }
    }

    /** A map's members, {@code "k":v,…}, without the braces. */
    public static void appendMembers(StringBuilder b, Map<?, ?> m) {
        boolean first = true;
        for (var e : m.entrySet()) {
            if (!first) b.append(',');
            first = false;
            appendString(b, String.valueOf(e.getKey()));
            b.append(':');
            appendValue(b, e.getValue());
        }
    }

    public static String object(Map<String, ?> fields) {
        StringBuilder b = new StringBuilder();
        appendValue(b, fields);
        return b.toString();
    }

    private static final long MIN_FAST = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
    private static final long MAX_FAST = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();

    /**
     * Appends exactly what {@link Instant#toString()} gives ({@code 2026-11-21T10:00:00.123Z}: ISO-8601 in UTC,
     * the fraction in groups of three digits, none when zero) without its formatter; years outside 0000-9999 go
     * through {@code toString}.
     */
    public static void appendInstant(StringBuilder b, Instant t) {
        long sec = t.getEpochSecond();
        if (sec < MIN_FAST || sec > MAX_FAST) {
            b.append(t);
            return;
        }
        long days = Math.floorDiv(sec, 86_400L);
        int secOfDay = (int) Math.floorMod(sec, 86_400L);
        // civil date from days since 1970-01-01 (H. Hinnant's algorithm, proleptic Gregorian)
        long z = days + 719_468;
        long era = Math.floorDiv(z, 146_097);
        long doe = z - era * 146_097;
        long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        int day = (int) (doy - (153 * mp + 2) / 5 + 1);
        int month = (int) (mp < 10 ? mp + 3 : mp - 9);
        int year = (int) (yoe + era * 400 + (month <= 2 ? 1 : 0));
        digits(b, year, 4);
        b.append('-');
        digits(b, month, 2);
        b.append('-');
        digits(b, day, 2);
        b.append('T');
        digits(b, secOfDay / 3600, 2);
        b.append(':');
        digits(b, secOfDay / 60 % 60, 2);
        b.append(':');
        digits(b, secOfDay % 60, 2);
        int nano = t.getNano();
        if (nano != 0) {
            b.append('.');
            if (nano % 1_000_000 == 0) digits(b, nano / 1_000_000, 3);
            else if (nano % 1_000 == 0) digits(b, nano / 1_000, 6);
            else digits(b, nano, 9);
        }
        b.append('Z');
    }

    /** {@code v} (not negative) in exactly {@code width} decimal digits, zero-padded. */
    private static void digits(StringBuilder b, int v, int width) {
        for (int div = POW10[width - 1]; div > 0; div /= 10) {
            b.append((char) ('0' + v / div % 10));
        }
    }

    private static final int[] POW10 = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000};
}
