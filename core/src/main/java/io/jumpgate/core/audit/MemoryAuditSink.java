package io.jumpgate.core.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Keeps events in memory; for tests and for tee-ing. */
public final class MemoryAuditSink implements AuditSink {
    private final List<AuditEvent> events = new ArrayList<>();

    @Override
    public synchronized void emit(AuditEvent event) {
        events.add(event);
    }

    public synchronized List<AuditEvent> events() {
        return List.copyOf(events);
    }

    public synchronized List<AuditEvent> matching(Predicate<AuditEvent> p) {
        return events.stream().filter(p).toList();
    }
}
