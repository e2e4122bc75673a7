package io.jumpgate.core.audit;

/** The audit record could not be written. Callers fail closed: the audited action does not proceed. */
public final class AuditWriteException extends RuntimeException {
    public AuditWriteException(String message, Throwable cause) {
        super(message, cause);
    }
}
