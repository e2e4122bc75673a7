package io.jumpgate.core.grant;

/**
 * Told when a grant that admitted connections ends (revoked or expired, here or by another gateway on the same
 * store), so the gateway can close connections that used it when {@code limits.terminateOnExpiry} is set.
 * Called on the thread that noticed the end; must not block.
 */
@FunctionalInterface
public interface GrantListener {
    void grantEnded(Grant grant);
}
