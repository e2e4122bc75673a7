package io.jumpgate.core.util;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JsonTest {
    private static String instant(Instant t) {
        StringBuilder b = new StringBuilder();
        Json.appendInstant(b, t);
        return b.toString();
    }

    @Test
    void instantsAreWrittenExactlyAsInstantToString() {
        for (String s : List.of("1970-01-01T00:00:00Z", "1969-12-31T23:59:59.500Z", "2024-02-29T12:00:00.001Z",
                "1900-03-01T00:00:00.000001Z", "2000-02-29T23:59:59.999999999Z", "0000-01-01T00:00:00Z",
                "9999-12-31T23:59:59.999999999Z", "2026-11-21T10:00:00.120Z", "-0001-12-31T23:59:59Z", "+10000-01-01T00:00:00Z")) {
            Instant t = Instant.parse(s);
            assertEquals(t.toString(), instant(t), s);
        }
        Random r = new Random(42);
        long min = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
        long max = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
        for (int i = 0; i < 200_000; i++) {
            long sec = min + Math.floorMod(r.nextLong(), max - min + 1);
            int nano = switch (i % 4) {
                case 0 -> 0;
                case 1 -> r.nextInt(1000) * 1_000_000;
                case 2 -> r.nextInt(1_000_000) * 1000;
                default -> r.nextInt(1_000_000_000);
            };
            Instant t = Instant.ofEpochSecond(sec, nano);
            assertEquals(t.toString(), instant(t));
        }
    }

    @Test
    void stringsAreEscapedWhereverTheSpecialCharacterIs() {
        assertEquals("\"plain\"", Json.string("plain"));
        assertEquals("\"\"", Json.string(""));
        assertEquals("\"\\\"a\\\\b\\n\"", Json.string("\"a\\b\n"));
        assertEquals("\"\\u0000x\\u001f\\t\\r\"", Json.string("\u0000x\u001f\t\r"));
        assertEquals("\"line\\u2028sep\\u2029\"", Json.string("line\u2028sep\u2029"));
        assertEquals("\"caf\u00e9 \u4e2d\"", Json.string("caf\u00e9 \u4e2d"));
    }

    @Test
    void valuesAndNestedMaps() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", 42);
        m.put("l", -7L);
        m.put("d", 1.5);
        m.put("b", true);
        m.put("s", "x\"y");
        m.put("list", List.of(1, "two"));
        m.put("null", null);
        m.put("t", Instant.parse("2026-11-21T10:00:00Z"));
        assertEquals("{\"n\":42,\"l\":-7,\"d\":1.5,\"b\":true,\"s\":\"x\\\"y\",\"list\":[1,\"two\"],\"null\":null,"
                + "\"t\":\"2026-11-21T10:00:00Z\"}", Json.object(m));
    }
}
