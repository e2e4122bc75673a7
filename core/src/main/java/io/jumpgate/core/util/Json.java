package io.jumpgate.core.util;

import java.time.Instant;
import java.util.Collection;
import java.util.Map;

/** A minimal JSON writer for the audit log, so the security record depends on no serialization library. */
public final class Json {
    private Json() {}

    public static String string(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2);
        appendString(b, s);
        return b.toString();
    }

    public static void appendString(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    public static void appendValue(StringBuilder b, Object v) {
        if (v == null) {
            b.append("null");
        } else if (v instanceof Number || v instanceof Boolean) {
            b.append(v);
        } else if (v instanceof Map<?, ?> m) {
            b.append('{');
            boolean first = true;
            for (var e : m.entrySet()) {
                if (!first) b.append(',');
                first = false;
                appendString(b, String.valueOf(e.getKey()));
                b.append(':');
                appendValue(b, e.getValue());
            }
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
            appendString(b, t.toString());
        } else {
            appendString(b, v.toString());
        }
    }

    public static String object(Map<String, ?> fields) {
        StringBuilder b = new StringBuilder();
        appendValue(b, fields);
        return b.toString();
    }
}
