package io.jumpgate.config.inventory;

import io.jumpgate.core.target.Inventory;
import io.jumpgate.core.target.InventorySnapshot;
import io.jumpgate.core.target.Target;

import java.time.Instant;
import java.util.List;

/** A fixed list of targets from the configuration file. */
public final class StaticInventory implements Inventory {
    private final InventorySnapshot snapshot;

    public StaticInventory(List<Target> targets, Instant loadedAt) {
        this.snapshot = InventorySnapshot.of(targets, loadedAt);
    }

    @Override
    public InventorySnapshot snapshot() {
        return snapshot;
    }
}
