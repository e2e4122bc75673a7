package io.jumpgate.core.grant;

import java.util.Locale;

/** Life cycle of a grant: PENDING → ACTIVE → (REVOKED | EXPIRED), or PENDING → (DENIED | REVOKED | EXPIRED). */
public enum GrantState {
    PENDING, ACTIVE, DENIED, REVOKED, EXPIRED;

    /** Pending or active: counts against the per-user limit and may still change. */
    public boolean open() {
        return this == PENDING || this == ACTIVE;
    }

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
