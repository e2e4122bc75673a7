package io.jumpgate.core.audit;

import io.jumpgate.core.util.Json;

/** The JSON form of an event's body (everything but the chain fields). */
public final class AuditJson {
    private AuditJson() {}

    /** The body's members, {@code "id":…,"time":…,…}, without braces, appended to {@code b}. */
    public static void appendBody(StringBuilder b, AuditEvent e) {
        b.append("\"id\":");
        Json.appendString(b, e.id());
        b.append(",\"time\":\"");
        Json.appendInstant(b, e.time());
        b.append("\",\"event\":\"").append(e.type().eventName())
                .append("\",\"outcome\":\"").append(e.outcome().text()).append('"');
        member(b, "code", e.code());
        member(b, "session", e.sessionId());
        member(b, "user", e.user());
        member(b, "source", e.source());
        AuditEvent.TargetRef t = e.target();
        if (t == null) {
            b.append(",\"target\":null");
        } else {
            b.append(",\"target\":{\"name\":");
            Json.appendValue(b, t.name());
            member(b, "address", t.address());
            member(b, "port", t.port());
            b.append('}');
        }
        if (!e.fields().isEmpty()) {
            b.append(",\"fields\":{");
            Json.appendMembers(b, e.fields());
            b.append('}');
        }
    }

    /** {@code ,"name":value} */
    private static void member(StringBuilder b, String name, Object value) {
        b.append(",\"").append(name).append("\":");
        Json.appendValue(b, value);
    }

    /** The body as one JSON object. */
    public static String bodyJson(AuditEvent e) {
        StringBuilder b = new StringBuilder(384).append('{');
        appendBody(b, e);
        return b.append('}').toString();
    }
}
