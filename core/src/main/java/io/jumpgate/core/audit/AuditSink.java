package io.jumpgate.core.audit;

/**
 * Where audit events go. This is the security record: it never depends on logging configuration, and an
 * implementation must have the event durably handed to its medium before {@link #emit} returns.
 */
public interface AuditSink extends AutoCloseable {
    void emit(AuditEvent event);

    @Override
    default void close() {}
}
