package io.jumpgate.core.grant;

import java.util.Locale;

/** A grant operation refused; the message is meant for the person who asked, the kind's code for audit. */
public final class GrantException extends RuntimeException {
    public enum Kind {
        UNKNOWN_TARGET, UNKNOWN_GRANT, NOT_ALLOWED, DURATION_OVER_MAXIMUM, INVALID_DURATION, MISSING_REASON,
        FROM_NOT_ALLOWED, SOURCE_TOO_WIDE, TOO_MANY_GRANTS, SELF_APPROVAL, NOT_AN_APPROVER, NOT_PERMITTED,
        INVALID_STATE, CONFLICT;

        public String code() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Kind kind;

    public GrantException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
