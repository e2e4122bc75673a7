package io.jumpgate.config.inventory;

import io.jumpgate.core.target.Inventory;
import io.jumpgate.core.target.InventorySnapshot;
import io.jumpgate.core.target.Target;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Several inventories as one (e.g. static targets plus Azure scale sets). Earlier inventories win name and
 * alias clashes: a later target with a taken name is left out, a taken alias is dropped, so a name always means
 * one machine. The merged snapshot is stale when any part is, and is as old as its oldest part.
 */
public final class CompositeInventory implements Inventory {
    private static final Logger log = LoggerFactory.getLogger(CompositeInventory.class);
    private final List<Inventory> parts;
    private final AtomicReference<Merged> merged = new AtomicReference<>();

    /** The parts' snapshots the merge was made from (compared by identity: parts publish new objects). */
    private record Merged(List<InventorySnapshot> from, InventorySnapshot result) {}

    public CompositeInventory(List<Inventory> parts) {
        if (parts.isEmpty()) throw new IllegalArgumentException("no inventories to combine");
        this.parts = List.copyOf(parts);
    }

    @Override
    public InventorySnapshot snapshot() {
        List<InventorySnapshot> now = new ArrayList<>(parts.size());
        for (Inventory p : parts) now.add(p.snapshot());
        Merged m = merged.get();
        if (m != null && sameObjects(m.from(), now)) return m.result();
        InventorySnapshot result = merge(now);
        merged.set(new Merged(now, result));
        return result;
    }

    @Override
    public InventorySnapshot refresh() {
        for (Inventory p : parts) p.refresh();
        return snapshot();
    }

    private static boolean sameObjects(List<InventorySnapshot> a, List<InventorySnapshot> b) {
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i) != b.get(i)) return false;
        }
        return true;
    }

    static InventorySnapshot merge(List<InventorySnapshot> snapshots) {
        Set<String> taken = new HashSet<>();
        List<Target> targets = new ArrayList<>();
        Instant oldest = Instant.MAX;
        List<String> errors = new ArrayList<>();
        for (InventorySnapshot s : snapshots) {
            if (s.fetchedAt().isBefore(oldest)) oldest = s.fetchedAt();
            if (s.lastError() != null) errors.add(s.lastError());
            for (Target t : s.targets()) {
                if (!taken.add(t.name().toLowerCase(Locale.ROOT))) {
                    log.warn("target {} from {} has a name already taken by another inventory; left out", t.name(), t.source());
                    continue;
                }
                List<String> aliases = new ArrayList<>();
                for (String a : t.aliases()) {
                    if (taken.add(a.toLowerCase(Locale.ROOT))) aliases.add(a);
                    else log.warn("alias {} of target {} is already taken; dropped", a, t.name());
                }
                targets.add(aliases.size() == t.aliases().size() ? t
                        : new Target(t.name(), aliases, t.address(), t.tags(), t.instanceId(), t.state(), t.source()));
            }
        }
        return new InventorySnapshot(targets, oldest, errors.isEmpty() ? null : String.join("; ", errors));
    }

    @Override
    public void close() {
        for (Inventory p : parts) {
            try {
                p.close();
            } catch (Exception e) {
                log.warn("closing inventory failed", e);
            }
        }
    }
}
