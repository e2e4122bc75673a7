package io.jumpgate.gateway.recording;

import io.jumpgate.core.util.Json;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The first line of an asciicast v2 file. Jumpgate's own metadata goes under the {@code "jumpgate"} key,
 * which players ignore.
 *
 * @param width     terminal columns
 * @param height    terminal rows
 * @param timestamp session start
 * @param env       {@code TERM}, {@code SHELL} when known
 * @param jumpgate  user, target, source, session, recording id, grant, command, login
 */
public record AsciicastHeader(int width, int height, Instant timestamp, Map<String, String> env, Map<String, Object> jumpgate) {
    public AsciicastHeader {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("terminal size must be positive");
        env = new LinkedHashMap<>(env);
        jumpgate = new LinkedHashMap<>(jumpgate);
    }

    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", 2);
        m.put("width", width);
        m.put("height", height);
        m.put("timestamp", timestamp.getEpochSecond());
        m.put("env", env);
        m.put("jumpgate", jumpgate);
        return Json.object(m);
    }
}
