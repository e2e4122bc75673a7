package io.jumpgate.core.util;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LineReaderTest {
    static List<String> all(LineReader r) throws IOException {
        List<String> out = new ArrayList<>();
        for (String l; (l = r.readLine()) != null; ) out.add(l);
        return out;
    }

    @Test
    void readsLinesAsBufferedReaderDoes() throws IOException {
        String text = "a\nb\r\nc\rd\n\ne";
        assertEquals(new java.io.BufferedReader(new StringReader(text)).lines().toList(),
                all(new LineReader(new StringReader(text), 100)));
        assertEquals(List.of("x"), all(new LineReader(new StringReader("x\n"), 100)));
        assertEquals(List.of(), all(new LineReader(new StringReader(""), 100)));
        // lines longer than the 64 Ki buffer, and a \r\n split between two reads
        String big = "y".repeat(70_000);
        String crlf = "z".repeat((1 << 16) - 1) + "\r\n" + big + "\n" + big;
        assertEquals(List.of("z".repeat((1 << 16) - 1), big, big), all(new LineReader(new StringReader(crlf), 100_000)));
    }

    @Test
    void aLineOverTheLimitIsRefusedNamingIt() throws IOException {
        LineReader r = new LineReader(new StringReader("ok\n" + "x".repeat(11) + "\nnext\n"), 10);
        assertEquals("ok", r.readLine());
        LineReader.LineTooLongException e = assertThrows(LineReader.LineTooLongException.class, r::readLine);
        assertEquals(2, e.line());
        assertEquals("line 2 is too long (over 10 characters)", e.getMessage());
        LineReader big = new LineReader(new StringReader("x".repeat(200_000)), 1 << 16);
        assertEquals("line 1 is too long (over 65536 characters)",
                assertThrows(LineReader.LineTooLongException.class, big::readLine).getMessage());
        assertEquals("x".repeat(10), new LineReader(new StringReader("x".repeat(10)), 10).readLine(), "exactly the limit is fine");
    }
}
