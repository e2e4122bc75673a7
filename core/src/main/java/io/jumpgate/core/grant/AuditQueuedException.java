package io.jumpgate.core.grant;

/**
 * A change that stands (it is in the store and in effect: a revocation must always take effect) but whose audit
 * event could not be written yet: the event is kept in memory and retried at every maintenance round.
 */
public final class AuditQueuedException extends RuntimeException {
    private final transient Grant grant;

    public AuditQueuedException(Grant grant, Throwable cause) {
        super("grant " + grant.id() + " is " + grant.state().code() + "; its audit event could not be written yet and is queued",
                cause);
        this.grant = grant;
    }

    /** The grant as changed. */
    public Grant grant() {
        return grant;
    }
}
