package io.jumpgate.core.audit;

import io.jumpgate.core.util.Json;

import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON form of an event's body (everything but the chain fields). */
public final class AuditJson {
    private AuditJson() {}

    public static Map<String, Object> body(AuditEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("time", e.time().toString());
        m.put("event", e.type().eventName());
        m.put("outcome", e.outcome().name().toLowerCase());
        m.put("code", e.code());
        m.put("session", e.sessionId());
        m.put("user", e.user());
        m.put("source", e.source());
        if (e.target() != null) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("name", e.target().name());
            t.put("address", e.target().address());
            t.put("port", e.target().port());
            m.put("target", t);
        } else {
            m.put("target", null);
        }
        if (!e.fields().isEmpty()) {
            m.put("fields", e.fields());
        }
        return m;
    }

    public static String bodyJson(AuditEvent e) {
        return Json.object(body(e));
    }
}
