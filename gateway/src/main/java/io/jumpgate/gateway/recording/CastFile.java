package io.jumpgate.gateway.recording;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/** Reads asciicast v2 recordings for review: the header, then events one at a time (files may be large). */
final class CastFile {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * CSI, OSC and two-character escape sequences, in their 7-bit (ESC) and 8-bit (C1: U+009B, U+009D) forms, then
     * every other C0 control but tab, DEL and the C1 controls (which terminals such as xterm act on when sent as UTF-8).
     */
    private static final Pattern ANSI = Pattern.compile(
            "(?:\u001B\\[|\u009B)[0-?]*[ -/]*[@-~]"
            + "|(?:\u001B[\\]P^_X]|[\u009D\u0090\u009E\u009F\u0098])[^\u0007\u001B\u009C]*(?:\u0007|\u001B\\\\|\u009C)?"
            + "|\u001B[@-Z\\\\-_()#%*+][0-9A-Za-z]?|[\u0000-\u0008\u000B-\u001F\u007F-\u009F]");
    /** Longest line {@link Lines} builds: output without newlines (full-screen redraws) is cut into pieces this long. */
    static final int MAX_LINE_CHARS = 64 * 1024;

    record Event(double time, String code, String data) {}

    /** One line of terminal text, ANSI escapes stripped, and when its first character was written. */
    record Line(double time, String text) {}

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
        BufferedReader r = reader(in);
        return parseHeader(r.readLine());
    }

    private static BufferedReader reader(InputStream in) {
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
    }

    private static Header parseHeader(String line) throws IOException {
        if (line == null) throw new IOException("empty recording");
        JsonNode h = JSON.readTree(line);
        if (h.path("version").asInt() != 2) throw new IOException("not an asciicast v2 recording");
        return new Header(h);
    }

    /** Reads the header, then hands every complete event to {@code each}; a torn last line is ignored. */
    static Header events(InputStream in, Consumer<Event> each) throws IOException {
        BufferedReader r = reader(in);
        Header h = parseHeader(r.readLine());
        String line;
        while ((line = r.readLine()) != null) {
            JsonNode e;
            try {
                e = JSON.readTree(line);
            } catch (IOException torn) {
                break;
            }
            if (e.isArray() && e.size() == 3) each.accept(new Event(e.get(0).asDouble(), e.get(1).asText(), e.get(2).asText()));
        }
        return h;
    }

    /** Splits output into lines of text without escapes, each with the time its first character appeared. */
    static final class Lines implements Consumer<Event> {
        private final Consumer<Line> sink;
        private final StringBuilder current = new StringBuilder();
        private double started = -1;

        Lines(Consumer<Line> sink) {
            this.sink = sink;
        }

        @Override
        public void accept(Event e) {
            if (!e.code().equals("o")) return;
            String d = e.data();
            for (int i = 0; i < d.length(); i++) {
                char c = d.charAt(i);
                if (started < 0) started = e.time();
                if (c == '\n') {
                    emit();
                } else {
                    current.append(c);
                    if (current.length() >= MAX_LINE_CHARS) emit();
                }
            }
        }

        /** Emits what is left after the last newline. */
        void end() {
            if (current.length() > 0) emit();
        }

        private void emit() {
            sink.accept(new Line(started, strip(current.toString())));
            current.setLength(0);
            started = -1;
        }
    }

    static String strip(String s) {
        return ANSI.matcher(s).replaceAll("");
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
