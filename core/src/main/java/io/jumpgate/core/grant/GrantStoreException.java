package io.jumpgate.core.grant;

/** The grant store failed (database unreachable, schema too new…). */
public final class GrantStoreException extends RuntimeException {
    public GrantStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
