package io.jumpgate.gateway.recording;

/**
 * The gateway could not open its session to the target.
 * {@code code} goes to audit ({@code host_key_mismatch}, {@code auth_refused}…); the message is shown to the user.
 */
public final class TargetSessionException extends Exception {
    private final String code;

    public TargetSessionException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
