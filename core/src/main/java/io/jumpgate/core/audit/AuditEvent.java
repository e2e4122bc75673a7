package io.jumpgate.core.audit;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * One audit record. Every event has the same shared metadata (who, from where, to what, in which session);
 * {@code fields} carries what is particular to the event (byte counts, key fingerprint, grant id…).
 *
 * @param id        unique event id
 * @param time      when it happened
 * @param type      event name
 * @param outcome   success, denied, failure or info
 * @param code      short machine-readable reason or result code ({@code ok}, {@code unknown_target}…)
 * @param sessionId gateway session (SSH connection or RDP relay), or null
 * @param user      gateway user, or null before authentication
 * @param source    client {@code ip:port}, or null
 * @param target    target reached or asked for, or null
 * @param fields    extra ordered fields
 */
public record AuditEvent(String id, Instant time, AuditType type, Outcome outcome, String code, String sessionId,
                         String user, String source, TargetRef target, Map<String, Object> fields) {
    public AuditEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(outcome, "outcome");
        code = code == null ? "ok" : code;
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields == null ? Map.of() : fields));
    }

    /** Name, address and port of the target as the request or decision knew them (any may be null). */
    public record TargetRef(String name, String address, Integer port) {}

    /**
     * A random (version 4) UUID from a per-thread generator: event ids must be unique, not secret, and
     * {@link UUID#randomUUID()}'s shared SecureRandom is a measurable cost on the connection path.
     */
    static String newId() {
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        long msb = (r.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (r.nextLong() & ~(0xC000000000000000L)) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }

    public static Builder builder(AuditType type, Instant time) {
        return new Builder(type, time);
    }

    /** Builds events without long constructor calls. */
    public static final class Builder {
        private final AuditType type;
        private final Instant time;
        private Outcome outcome = Outcome.SUCCESS;
        private String code = "ok";
        private String sessionId;
        private String user;
        private String source;
        private TargetRef target;
        private final Map<String, Object> fields = new LinkedHashMap<>();

        private Builder(AuditType type, Instant time) {
            this.type = type;
            this.time = time;
        }

        public Builder outcome(Outcome o, String code) {
            this.outcome = o;
            this.code = code;
            return this;
        }

        public Builder session(String s) {
            this.sessionId = s;
            return this;
        }

        public Builder user(String u) {
            this.user = u;
            return this;
        }

        public Builder source(String s) {
            this.source = s;
            return this;
        }

        public Builder target(String name, String address, Integer port) {
            this.target = new TargetRef(name, address, port);
            return this;
        }

        public Builder target(TargetRef t) {
            this.target = t;
            return this;
        }

        public Builder field(String k, Object v) {
            if (v != null) fields.put(k, v);
            return this;
        }

        public AuditEvent build() {
            return new AuditEvent(newId(), time, type, outcome, code, sessionId, user, source, target, fields);
        }
    }
}
