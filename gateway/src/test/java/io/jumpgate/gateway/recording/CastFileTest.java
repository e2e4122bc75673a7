package io.jumpgate.gateway.recording;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CastFileTest {
    /**
     * What {@link CastFile.Lines} strips, written as one regular expression applied to each line: CSI, OSC/DCS/SOS/PM/APC
     * strings (to BEL, ST or the end of the line), two-character escapes (a charset designation with its third
     * character), then every other C0 control but tab, DEL and the C1 controls.
     */
    private static final Pattern ESCAPES = Pattern.compile(
            "(?:\u001B\\[|\u009B)[0-?]*[ -/]*[@-~]"
            + "|(?:\u001B[\\]P^_X]|[\u009D\u0090\u009E\u009F\u0098])[^\u0007\u001B\u009C]*(?:\u0007|\u001B\\\\|\u009C)?"
            + "|\u001B[@-Z\\\\-_]|\u001B[()#%*+][0-9A-Za-z]?|[\u0000-\u0008\u000B-\u001F\u007F-\u009F]");

    static List<CastFile.Line> lines(int overlap, double[] times, String... chunks) {
        List<CastFile.Line> out = new ArrayList<>();
        CastFile.Lines lines = new CastFile.Lines(out::add, overlap);
        for (int i = 0; i < chunks.length; i++) lines.accept(new CastFile.Event(times == null ? i : times[i], "o", chunks[i]));
        lines.end();
        return out;
    }

    @Test
    void escapesAreStrippedAsTheRegularExpressionStripsEachLine() {
        Random r = new Random(11);
        String[] atoms = {"a", "b", " ", "0", "1", ";", "?", "[", "]", "\\", "m", "P", "X", "(", "#", "B", "7", "!", "~", "\t",
                "\r", "\n", "\u0007", "\u001b", "\u001b[", "\u001b]", "\u001bP", "\u001b(", "\u009b", "\u009c", "\u009d", "\u0085",
                "\u007f", "ü", "\u001b\\"};
        for (int round = 0; round < 3000; round++) {
            StringBuilder text = new StringBuilder();
            int n = r.nextInt(40);
            for (int i = 0; i < n; i++) text.append(atoms[r.nextInt(atoms.length)]);
            // the same text in random chunks: sequences split between events are stripped whole
            List<String> chunks = new ArrayList<>();
            for (int off = 0; off < text.length(); ) {
                int len = Math.min(text.length() - off, 1 + r.nextInt(6));
                chunks.add(text.substring(off, off + len));
                off += len;
            }
            List<String> expected = new ArrayList<>();
            String[] split = text.toString().split("\n", -1);
            for (int i = 0; i < split.length; i++) {
                if (i < split.length - 1 || !split[i].isEmpty()) expected.add(ESCAPES.matcher(split[i]).replaceAll(""));
            }
            List<String> actual = lines(0, null, chunks.toArray(String[]::new)).stream().map(CastFile.Line::text).toList();
            assertEquals(expected, actual, "for " + CastFile.visible(text.toString()));
        }
    }

    @Test
    void onlyVisibleCharactersCountTowardTheLimit() {
        // 21,844 SGR resets display as nothing: the command after them is not cut.
        List<CastFile.Line> l = lines(CastFile.SEARCH_OVERLAP_CHARS, null, "\u001b[m".repeat(21_844) + "rm -rf /srv/data\r\n");
        assertEquals(List.of("rm -rf /srv/data"), l.stream().map(CastFile.Line::text).toList());
        // nor do endless OSC strings or parameters keep anything in memory: only text is kept
        List<CastFile.Line> osc = lines(0, null, "\u001b]0;" + "x".repeat(200_000) + "\u0007ok", "\u001b[" + "1;".repeat(100_000) + "m!");
        assertEquals("ok[" + "1;".repeat(100_000) + "m!", osc.stream().map(CastFile.Line::text).reduce("", String::concat),
                "an overlong CSI is shown as text, not hidden");
    }

    @Test
    void aCutPieceCarriesItsTailIntoTheNextSoAMatchAcrossTheCutIsFoundOnce() {
        int max = CastFile.MAX_LINE_CHARS, overlap = CastFile.SEARCH_OVERLAP_CHARS;
        String before = "MARK" + "x".repeat(max - 9), after = "y".repeat(max);
        List<CastFile.Line> l = lines(overlap, new double[] {1, 2, 3}, before, "rm -rf /srv/data", after);
        assertEquals(3, l.size());
        assertEquals(overlap, l.get(0).carriedOn());
        assertEquals(l.get(0).text().substring(max - overlap), l.get(1).text().substring(0, overlap), "the tail starts the next piece");
        Pattern rm = Pattern.compile("rm -rf /srv");
        assertEquals(List.of(false, true, false), l.stream().map(p -> p.finds(rm)).toList(), "found once, across the cut");
        assertEquals(1.0, l.get(1).time(), "the next piece starts with text written at 1 s");
        assertEquals(List.of(true, false, false), l.stream().map(p -> p.finds(Pattern.compile("MARK"))).toList(),
                "a match well before the cut: once");
        // The tail of a cut piece is searched in the next piece only; what ends a line belongs to its last piece.
        List<CastFile.Line> tail = lines(overlap, null, "x".repeat(max - 3) + "END", "\n");
        assertEquals(List.of(false, true), tail.stream().map(p -> p.finds(Pattern.compile("END"))).toList());
        assertEquals("x".repeat(overlap - 3) + "END", tail.get(1).text());

        // Without an overlap (plain-text export) the pieces follow one another exactly.
        List<CastFile.Line> exact = lines(0, null, before, "rm -rf /srv/data", after);
        assertEquals(before + "rm -rf /srv/data" + after, exact.stream().map(CastFile.Line::text).reduce("", String::concat));
        assertTrue(exact.stream().allMatch(p -> p.carriedOn() == 0 && p.text().length() <= max));
    }
}
