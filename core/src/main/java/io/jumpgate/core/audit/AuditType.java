package io.jumpgate.core.audit;

import java.util.Locale;

/** The closed set of audit event names. Written as dotted lower case, e.g. {@code forward.denied}. */
public enum AuditType {
    GATEWAY_STARTED, GATEWAY_STOPPED,
    AUTH_SUCCEEDED, AUTH_FAILED,
    SESSION_OPENED, SESSION_CLOSED,
    COMMAND_EXECUTED, COMMAND_REFUSED,
    FORWARD_ALLOWED, FORWARD_DENIED, CHANNEL_CLOSED,
    RDP_ADMITTED, RDP_DENIED, RDP_PREAMBLE, RDP_PREAMBLE_REJECTED, RDP_CLOSED,
    GRANT_REQUESTED, GRANT_APPROVED, GRANT_DENIED, GRANT_REVOKED, GRANT_EXPIRED, GRANT_REFUSED,
    CONNECTION_TERMINATED,
    RECORDING_STARTED, RECORDING_FINISHED, RECORDING_FAILED,
    TARGET_SESSION_FAILED,
    INVENTORY_REFRESHED, INVENTORY_STALE,
    NSG_RULE_CREATED, NSG_RULE_REMOVED, NSG_RULE_REFUSED;

    private final String eventName;

    AuditType() {
        String n = name().toLowerCase(Locale.ROOT);
        int i = n.indexOf('_');
        eventName = n.substring(0, i) + "." + n.substring(i + 1);
    }

    /** {@code FORWARD_DENIED} becomes {@code forward.denied}. */
    public String eventName() {
        return eventName;
    }
}
