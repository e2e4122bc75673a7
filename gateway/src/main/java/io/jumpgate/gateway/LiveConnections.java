package io.jumpgate.gateway;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Live connections admitted by a just-in-time grant, so that the gateway can cut them when the grant expires
 * or is revoked ({@code limits.terminateOnExpiry}). Connections on standing access are not tracked.
 */
public final class LiveConnections {
    private static final Logger log = LoggerFactory.getLogger(LiveConnections.class);
    private final Map<String, Set<Runnable>> byGrant = new ConcurrentHashMap<>();

    /**
     * Tracks a connection; {@code terminate} must not block and runs at most once. Close the returned handle when the
     * connection ends.
     *
     * <p>The grant may end between the admission decision and this call (while the admission was being audited), and
     * then nobody would cut the connection later: so once registered, {@code stillAdmitted} is asked again. If the
     * grant no longer admits and the connection was not cut meanwhile, the returned handle says {@link Registration#ended}
     * and the caller ends the connection itself (refuses it, or runs what {@code terminate} would).
     */
    public Registration register(String grantId, Runnable terminate, BooleanSupplier stillAdmitted) {
        AtomicBoolean done = new AtomicBoolean();
        Runnable once = () -> {
            if (done.compareAndSet(false, true)) terminate.run();
        };
        byGrant.computeIfAbsent(grantId, g -> ConcurrentHashMap.newKeySet()).add(once);
        Registration tracked = () -> byGrant.computeIfPresent(grantId, (g, set) -> {
            set.remove(once);
            return set.isEmpty() ? null : set;
        });
        // The grant index changes before the terminators run: a grant that ended before the registration above is
        // seen here; one that ends after it finds the connection registered.
        if (stillAdmitted.getAsBoolean() || !done.compareAndSet(false, true)) return tracked;
        tracked.close();
        return new Registration() {
            @Override
            public void close() {
                // not tracked
            }

            @Override
            public boolean ended() {
                return true;
            }
        };
    }

    /**
     * Runs every terminator registered for {@code grantId}; one that throws does not keep the others from running.
     * Returns how many connections were cut.
     */
    public int terminate(String grantId) {
        Set<Runnable> set = byGrant.remove(grantId);
        if (set == null) return 0;
        int cut = 0;
        for (Runnable terminate : set) {
            try {
                terminate.run();
                cut++;
            } catch (RuntimeException e) {
                log.error("grant {} ended: closing one of its connections failed", grantId, e);
            }
        }
        return cut;
    }

    public int count(String grantId) {
        Set<Runnable> set = byGrant.get(grantId);
        return set == null ? 0 : set.size();
    }

    /** Stops tracking one connection. */
    public interface Registration extends AutoCloseable {
        @Override
        void close();

        /** The grant ended while the connection was being admitted: the caller must end it (it is not tracked). */
        default boolean ended() {
            return false;
        }
    }
}
