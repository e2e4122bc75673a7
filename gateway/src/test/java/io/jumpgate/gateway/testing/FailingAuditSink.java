package io.jumpgate.gateway.testing;

import io.jumpgate.core.audit.AuditEvent;
import io.jumpgate.core.audit.AuditSink;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.AuditWriteException;
import io.jumpgate.core.audit.MemoryAuditSink;

import java.util.Set;

/** Records events, but fails the write of the given types as a full disk would. */
public final class FailingAuditSink implements AuditSink {
    /** What was written. */
    public final MemoryAuditSink ok = new MemoryAuditSink();
    private final Set<AuditType> failing;

    public FailingAuditSink(AuditType... failing) {
        this.failing = Set.of(failing);
    }

    @Override
    public void emit(AuditEvent e) {
        if (failing.contains(e.type())) throw new AuditWriteException("disk full (test)", null);
        ok.emit(e);
    }
}
