package io.jumpgate.gateway.recording;

import io.jumpgate.core.audit.AuditEvent;
import io.jumpgate.core.audit.AuditSink;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.Outcome;
import io.jumpgate.core.target.Target;

import java.time.Clock;
import java.util.Map;

/** Emits a recorded session's audit events with the shared metadata (session, user, source, target) filled in. */
final class SessionAudit {
    private final AuditSink sink;
    private final Clock clock;
    private final SessionContext ctx;
    private final Target target;
    private final int port;

    SessionAudit(AuditSink sink, Clock clock, SessionContext ctx, Target target, int port) {
        this.sink = sink;
        this.clock = clock;
        this.ctx = ctx;
        this.target = target;
        this.port = port;
    }

    void emit(AuditType type, Outcome outcome, String code, Map<String, ?> fields) {
        AuditEvent.Builder b = AuditEvent.builder(type, clock.instant()).outcome(outcome, code).session(ctx.sessionId())
                .user(ctx.user()).source(ctx.source()).target(target.name(), target.addressText(), port);
        fields.forEach(b::field);
        sink.emit(b.build());
    }
}
