package io.jumpgate.gateway.recording;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jumpgate.core.util.LineReader;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.function.Consumer;

/** Reads asciicast v2 recordings for review: the header, then events one at a time (files may be large). */
final class CastFile {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Longest piece of text {@link Lines} builds, in visible characters (escape sequences do not count): output without
     * newlines (full-screen redraws) is cut into pieces this long.
     */
    static final int MAX_LINE_CHARS = 64 * 1024;
    /** How much of a cut piece {@link Lines} repeats at the start of the next one, for searches, so that a match up to this long is found across a cut. */
    static final int SEARCH_OVERLAP_CHARS = 4 * 1024;

    record Event(double time, String code, String data) {}

    /**
     * One line of terminal text, escape sequences stripped, and when its first character was written.
     *
     * @param carriedOn how many of the last characters start the next piece of the same line again (0 when the line
     *                  ends here): a search reports only matches that start before them, so each is reported once
     */
    record Line(double time, String text, int carriedOn) {
        /** Does {@code p} match here, starting in the part of the text that belongs to this piece? */
        boolean finds(java.util.regex.Pattern p) {
            java.util.regex.Matcher m = p.matcher(text);
            return m.find() && (carriedOn == 0 || m.start() < text.length() - carriedOn);
        }
    }

    record Header(JsonNode json) {
        String meta(String key) {
            JsonNode n = json.path("jumpgate").path(key);
            return n.isMissingNode() || n.isNull() ? null : n.asText();
        }

        Instant timestamp() {
            return Instant.ofEpochSecond(json.path("timestamp").asLong());
        }

        int width() {
            return json.path("width").asInt();
        }

        int height() {
            return json.path("height").asInt();
        }
    }

    private CastFile() {}

    static Header header(InputStream in) throws IOException {
        return parseHeader(reader(in).readLine());
    }

    private static LineReader reader(InputStream in) {
        return new LineReader(new InputStreamReader(in, StandardCharsets.UTF_8), LineReader.DEFAULT_MAX_CHARS);
    }

    private static Header parseHeader(String line) throws IOException {
        if (line == null) throw new IOException("empty recording");
        JsonNode h = JSON.readTree(line);
        if (h.path("version").asInt() != 2) throw new IOException("not an asciicast v2 recording");
        return new Header(h);
    }

    /**
     * Reads the header, then hands every complete event to {@code each}; a torn last line is ignored.
     *
     * @throws IOException naming the line, for a line over {@link LineReader#DEFAULT_MAX_CHARS} or an event whose time
     *                     is not a finite number at or after the one before it (the writer never makes either: the
     *                     file was damaged or forged, and a player would wait for ever)
     */
    static Header events(InputStream in, Consumer<Event> each) throws IOException {
        LineReader r = reader(in);
        Header h = parseHeader(r.readLine());
        double last = 0;
        String line;
        while ((line = r.readLine()) != null) {
            JsonNode e;
            try {
                e = JSON.readTree(line);
            } catch (IOException torn) {
                break;
            }
            if (!e.isArray() || e.size() != 3) continue;
            JsonNode t = e.get(0);
            double time = t.asDouble();
            if (!t.isNumber() || !Double.isFinite(time) || time < last) {
                String shown = t.isNumber() ? Double.toString(time) : t.toString();
                if (shown.length() > 40) shown = shown.substring(0, 40) + "…";
                throw new IOException("line " + r.lineNumber() + ": event time " + visible(shown)
                        + " is not a number at or after the previous event's (" + last + ")");
            }
            last = time;
            each.accept(new Event(time, e.get(1).asText(), e.get(2).asText()));
        }
        return h;
    }

    /**
     * Splits output into lines of text without escape sequences, each with the time its first character appeared.
     *
     * <p>Escapes are stripped as the characters arrive, so that only visible characters count toward
     * {@link #MAX_LINE_CHARS}: invisible padding (thousands of {@code ESC[m}) cannot push text across a cut. Stripped
     * are CSI sequences ({@code ESC[} or U+009B, parameters, intermediates, a final byte), OSC, DCS, SOS, PM and APC
     * strings (their 7-bit and C1 introducers) up to BEL, ST or the end of the line, two-character escapes (a
     * charset designation with its third character), every other C0 control except tab, and DEL and the C1 controls
     * (which terminals such as xterm act on when sent as UTF-8). A CSI that breaks off before its final byte loses
     * only its introducer: what followed it is kept as text (seen rather than hidden).
     *
     * <p>With an overlap (for searches), a piece cut at the limit gives its last {@code overlap} characters to the
     * next piece too (see {@link Line#carriedOn}), so that a match across the cut is still found, and found once.
     */
    static final class Lines implements Consumer<Event> {
        /** Longest CSI kept while waiting for its final byte; a longer one is shown as text (no terminal takes it). */
        private static final int MAX_CSI_CHARS = 4096;

        private enum State { TEXT, ESC, CSI, CSI_INTERMEDIATE, STRING, DESIGNATE }

        private final Consumer<Line> sink;
        private final int overlap;
        private final StringBuilder current = new StringBuilder();
        private double started = -1;
        /** Where in {@link #current} each event's text starts, and that event's time: the time of a carried piece. */
        private int[] markAt = new int[16];
        private double[] markTime = new double[16];
        private int marks;
        private State state = State.TEXT;
        /** A CSI's parameters and intermediates so far (shown as text if it breaks off), and whether it began with ESC. */
        private final StringBuilder csi = new StringBuilder();
        private boolean csi7Bit;

        /** Pieces that follow one another exactly (plain-text export). */
        Lines(Consumer<Line> sink) {
            this(sink, 0);
        }

        /** Pieces cut at the limit repeat their last {@code overlap} characters in the next one (search). */
        Lines(Consumer<Line> sink, int overlap) {
            if (overlap < 0 || overlap >= MAX_LINE_CHARS) throw new IllegalArgumentException("overlap " + overlap);
            this.sink = sink;
            this.overlap = overlap;
        }

        @Override
        public void accept(Event e) {
            if (!e.code().equals("o")) return;
            String d = e.data();
            for (int i = 0; i < d.length(); i++) {
                if (started < 0) started = e.time();
                read(d.charAt(i), e.time());
            }
        }

        private void read(char c, double time) {
            switch (state) {
                case ESC -> {
                    state = State.TEXT;
                    if (c == '[') {
                        startCsi(true);
                        return;
                    }
                    if (c == ']' || c == 'P' || c == '^' || c == '_' || c == 'X') {
                        state = State.STRING;
                        return;
                    }
                    if ((c >= '@' && c <= 'Z') || (c >= '\\' && c <= '_')) return;
                    if ("()#%*+".indexOf(c) >= 0) {
                        state = State.DESIGNATE;
                        return;
                    }
                    // a lone ESC: dropped, and c read as text
                }
                case CSI, CSI_INTERMEDIATE -> {
                    if (c >= '@' && c <= '~') {
                        state = State.TEXT;
                        return;
                    }
                    boolean parameter = c >= '0' && c <= '?', intermediate = c >= ' ' && c <= '/';
                    if ((parameter && state == State.CSI || intermediate) && csi.length() < MAX_CSI_CHARS) {
                        csi.append(c);
                        if (intermediate) state = State.CSI_INTERMEDIATE;
                        return;
                    }
                    brokenCsi(time);
                }
                case STRING -> {
                    if (c == '\u0007' || c == '\u009C') {
                        state = State.TEXT;
                        return;
                    }
                    // ESC ends the string (ESC \ is then a two-character escape); so does a newline, which ends the line
                    if (c != '\u001B' && c != '\n') return;
                    state = State.TEXT;
                }
                case DESIGNATE -> {
                    state = State.TEXT;
                    if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) return;
                }
                case TEXT -> { }
            }
            if (c == '\n') {
                emit(0);
            } else if (c == '\u001B') {
                state = State.ESC;
            } else if (c == '\u009B') {
                startCsi(false);
            } else if (c == '\u009D' || c == '\u0090' || c == '\u009E' || c == '\u009F' || c == '\u0098') {
                state = State.STRING;
            } else if ((c >= 0x20 || c == '\t') && (c < 0x7F || c > 0x9F)) {
                append(c, time);
            }
        }

        private void startCsi(boolean sevenBit) {
            state = State.CSI;
            csi7Bit = sevenBit;
            csi.setLength(0);
        }

        /** A CSI without its final byte: the ESC (or U+009B) is dropped, what followed it is text. */
        private void brokenCsi(double time) {
            state = State.TEXT;
            if (csi7Bit) append('[', time);
            for (int k = 0; k < csi.length(); k++) append(csi.charAt(k), time);
            csi.setLength(0);
        }

        private void append(char c, double time) {
            if (marks == 0 || markTime[marks - 1] != time) mark(current.length(), time);
            current.append(c);
            if (current.length() >= MAX_LINE_CHARS) emit(overlap);
        }

        private void mark(int at, double time) {
            if (marks == markAt.length) {
                markAt = java.util.Arrays.copyOf(markAt, marks * 2);
                markTime = java.util.Arrays.copyOf(markTime, marks * 2);
            }
            markAt[marks] = at;
            markTime[marks++] = time;
        }

        /** Emits what is left after the last newline. */
        void end() {
            if (state == State.CSI || state == State.CSI_INTERMEDIATE) brokenCsi(started);
            state = State.TEXT;
            if (started >= 0) emit(0);
        }

        /** Emits the current piece; its last {@code carry} characters start the next one. */
        private void emit(int carry) {
            sink.accept(new Line(started, current.toString(), carry));
            if (carry == 0) {
                current.setLength(0);
                marks = 0;
                started = -1;
                return;
            }
            int from = current.length() - carry;
            int m = marks - 1;
            while (m > 0 && markAt[m] > from) m--;
            started = markTime[m];
            // The marks after the cut move to the start of the next piece.
            int kept = 0;
            markAt[kept] = 0;
            markTime[kept++] = started;
            for (int k = m + 1; k < marks; k++) {
                markAt[kept] = markAt[k] - from;
                markTime[kept++] = markTime[k];
            }
            marks = kept;
            current.delete(0, from);
        }
    }

    /**
     * Text recorded from a session (header fields such as TERM or the command, which the user chose) made safe to
     * print on a reviewer's terminal: C0 and C1 controls and DEL are shown as escapes (backslash, x and two hex digits; backslash, u and four for C1)
     * instead of being sent to the terminal.
     */
    static String visible(String s) {
        if (s == null) return null;
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean control = c < 0x20 || (c >= 0x7F && c <= 0x9F);
            if (control && b == null) b = new StringBuilder(s.length() + 8).append(s, 0, i);
            if (b == null) continue;
            if (!control) b.append(c);
            else if (c < 0x80) b.append(String.format("\\x%02x", (int) c));
            else b.append(String.format("\\u%04x", (int) c));
        }
        return b == null ? s : b.toString();
    }
}
