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
    /** CSI, OSC and two-character escape sequences, then other C0 controls but tab. */
    private static final Pattern ANSI = Pattern.compile(
            "\u001B\\[[0-?]*[ -/]*[@-~]|\u001B\\][^\u0007\u001B]*(?:\u0007|\u001B\\\\)?|\u001B[@-Z\\\\-_()#%*+][0-9A-Za-z]?|[\u0000-\u0008\u000B-\u001F\u007F]");

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
}
