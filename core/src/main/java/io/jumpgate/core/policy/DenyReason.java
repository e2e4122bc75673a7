package io.jumpgate.core.policy;

import java.util.Locale;

/** Why access was refused. The client sees only "administratively prohibited"; audit gets the code and detail. */
public enum DenyReason {
    UNKNOWN_TARGET,
    NOT_IN_ROLE,
    PORT_NOT_ALLOWED,
    LOOPBACK,
    GATEWAY_ADDRESS,
    LINK_LOCAL,
    TARGET_NO_ADDRESS,
    TARGET_NOT_RUNNING,
    GRANT_REQUIRED,
    SOURCE_NOT_ADMITTED,
    RECORDING_REQUIRED,
    FORWARDING_DISABLED;

    /** Stable code written to audit, e.g. {@code unknown_target}. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
