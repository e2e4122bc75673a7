package io.jumpgate.core.grant;

import io.jumpgate.core.access.GrantLookup;
import io.jumpgate.core.target.Target;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * The open grants in memory, answering the connection path without a database round trip. Readers see an
 * immutable snapshot; {@link GrantService} replaces it on every change. Each lookup compares the clock with the
 * grant's window, so an expired grant admits nothing even before the sweep marks it expired.
 */
public final class GrantIndex implements GrantLookup {
    private record Snapshot(Map<String, Grant> byId, Map<String, List<Grant>> byTarget) {
        static final Snapshot EMPTY = new Snapshot(Map.of(), Map.of());
    }

    private final Clock clock;
    private final AtomicReference<Snapshot> snapshot = new AtomicReference<>(Snapshot.EMPTY);

    public GrantIndex(Clock clock) {
        this.clock = clock;
    }

    @Override
    public Optional<ActiveGrant> find(String user, Target target, int port, InetAddress source,
                                      Predicate<ActiveGrant> justified) {
        List<Grant> candidates = snapshot.get().byTarget().get(key(target.name()));
        if (candidates == null || source == null) return Optional.empty();
        Instant now = clock.instant();
        for (Grant g : candidates) {
            if (g.admits(user, target.name(), port, source, now)) {
                ActiveGrant a = new ActiveGrant(g.id(), g.user(), g.role());
                if (justified.test(a)) return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    public Optional<Grant> get(String id) {
        return Optional.ofNullable(snapshot.get().byId().get(id));
    }

    /** Grants stored as pending or active (some may be past their expiry until the next sweep). */
    public Collection<Grant> open() {
        return snapshot.get().byId().values();
    }

    /**
     * Puts the newer of {@code grant} and the indexed version; a closed grant leaves the index.
     *
     * @return the grant that was indexed under this id before, or null
     */
    synchronized Grant put(Grant grant) {
        Snapshot s = snapshot.get();
        Grant old = s.byId().get(grant.id());
        if (old != null && old.version() >= grant.version()) return old;
        Map<String, Grant> byId = new HashMap<>(s.byId());
        if (grant.state().open()) {
            byId.put(grant.id(), grant);
        } else {
            byId.remove(grant.id());
        }
        snapshot.set(build(byId));
        return old;
    }

    private static Snapshot build(Map<String, Grant> byId) {
        Map<String, List<Grant>> byTarget = new HashMap<>();
        for (Grant g : byId.values()) {
            byTarget.computeIfAbsent(key(g.target()), k -> new ArrayList<>()).add(g);
        }
        byTarget.replaceAll((k, v) -> List.copyOf(v));
        return new Snapshot(Map.copyOf(byId), Map.copyOf(byTarget));
    }

    private static String key(String target) {
        return target.toLowerCase(Locale.ROOT);
    }
}
