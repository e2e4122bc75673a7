package io.jumpgate.core.grant;

import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Keeps grants in memory only: lost on restart. For tests and for gateways that want no persistence. */
public final class MemoryGrantStore implements GrantStore {
    private final Map<String, Grant> grants = new LinkedHashMap<>();

    @Override
    public synchronized void insert(Grant grant) {
        if (grants.putIfAbsent(grant.id(), grant) != null) {
            throw new GrantStoreException("duplicate grant id " + grant.id(), null);
        }
    }

    @Override
    public synchronized boolean insertWithin(Grant grant, int maxOpen, Instant now) {
        long open = grants.values().stream().filter(g -> g.user().equals(grant.user()) && g.stateAt(now).open()).count();
        if (open >= maxOpen) return false;
        insert(grant);
        return true;
    }

    @Override
    public synchronized boolean update(Grant grant) {
        Grant old = grants.get(grant.id());
        if (old == null || old.version() != grant.version() - 1) return false;
        grants.put(grant.id(), grant);
        return true;
    }

    @Override
    public synchronized Optional<Grant> find(String id) {
        return Optional.ofNullable(grants.get(id));
    }

    @Override
    public synchronized List<Grant> open() {
        return grants.values().stream().filter(g -> g.state().open()).toList();
    }

    @Override
    public synchronized List<Grant> recent(String user, int limit) {
        return grants.values().stream().filter(g -> user == null || g.user().equals(user))
                .sorted(Comparator.comparing(Grant::createdAt).reversed()).limit(limit).toList();
    }
}
