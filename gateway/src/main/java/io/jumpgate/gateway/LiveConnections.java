package io.jumpgate.gateway;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Live connections admitted by a just-in-time grant, so that the gateway can cut them when the grant expires
 * or is revoked ({@code limits.terminateOnExpiry}). Connections on standing access are not tracked.
 */
public final class LiveConnections {
    private final Map<String, Set<Runnable>> byGrant = new ConcurrentHashMap<>();

    /** Tracks a connection; {@code terminate} must not block. Close the returned handle when the connection ends. */
    public Registration register(String grantId, Runnable terminate) {
        byGrant.computeIfAbsent(grantId, g -> ConcurrentHashMap.newKeySet()).add(terminate);
        return () -> byGrant.computeIfPresent(grantId, (g, set) -> {
            set.remove(terminate);
            return set.isEmpty() ? null : set;
        });
    }

    /** Runs every terminator registered for {@code grantId}; returns how many connections were cut. */
    public int terminate(String grantId) {
        Set<Runnable> set = byGrant.remove(grantId);
        if (set == null) return 0;
        set.forEach(Runnable::run);
        return set.size();
    }

    public int count(String grantId) {
        Set<Runnable> set = byGrant.get(grantId);
        return set == null ? 0 : set.size();
    }

    /** Stops tracking one connection. */
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }
}
