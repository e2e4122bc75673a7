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
                .append("\",\"outcome\":\"").append(e.outcome().text()).append("\",\"code\":");
        Json.appendString(b, e.code());
        b.append(",\"session\":");
        Json.appendValue(b, e.sessionId());
        b.append(",\"user\":");
        Json.appendValue(b, e.user());
        b.append(",\"source\":");
        Json.appendValue(b, e.source());
        b.append(",\"target\":");
        AuditEvent.TargetRef t = e.target();
        if (t == null) {
            b.append("null");
        } else {
            b.append("{\"name\":");
            Json.appendValue(b, t.name());
            b.append(",\"address\":");
            Json.appendValue(b, t.address());
            b.append(",\"port\":");
            Json.appendValue(b, t.port());
            b.append('}');
        }
        if (!e.fields().isEmpty()) {
            b.append(",\"fields\":{");
            Json.appendMembers(b, e.fields());
            b.append('}');
        }
    }

    /** The body as one JSON object. */
    public static String bodyJson(AuditEvent e) {
        StringBuilder b = new StringBuilder(384).append('{');
        appendBody(b, e);
        return b.append('}').toString();
    }
}
