package io.jumpgate.rdp;

import io.jumpgate.core.target.InventorySnapshot;
import io.jumpgate.core.target.Target;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which target each port of one NAT pool reaches. At first port {@code start + i} reaches the i-th matching target
 * in instance-id order; after that a target keeps its port for as long as it is in the inventory: a removed
 * target's port refuses new connections (it is not handed to the next instance, which a user of that port did not
 * ask for), and a new target takes the lowest free port. Targets beyond the pool's size get no port until one frees
 * up. Worked out once per inventory snapshot. A gateway restart assigns afresh, in instance-id order.
 */
final class NatPoolPorts implements PortMapping.Resolver {
    private final PortMapping.NatPool pool;
    /** Target name per port index, or null for a free port (guarded by {@code this}). */
    private final String[] names;
    private InventorySnapshot seen;

    NatPoolPorts(PortMapping.NatPool pool) {
        this.pool = pool;
        this.names = new String[pool.end() - pool.start() + 1];
    }

    @Override
    public Optional<Target> resolve(int index, InventorySnapshot inventory) {
        String name;
        synchronized (this) {
            if (inventory != seen) reassign(inventory);
            name = names[index];
        }
        if (name == null) return Optional.empty();
        return inventory.targets().stream().filter(t -> t.name().equals(name)).findFirst();
    }

    private void reassign(InventorySnapshot inventory) {
        List<Target> matching = inventory.targets().stream().filter(pool.selector()::matches).toList();
        Set<String> present = new HashSet<>();
        for (Target t : matching) present.add(t.name());
        Set<String> placed = new HashSet<>();
        for (int i = 0; i < names.length; i++) {
            if (names[i] != null && !present.contains(names[i])) names[i] = null; // removed: its port goes quiet
            if (names[i] != null) placed.add(names[i]);
        }
        int free = 0;
        for (Target t : matching) { // instance-id order: new targets take the lowest free ports
            if (placed.contains(t.name())) continue;
            while (free < names.length && names[free] != null) free++;
            if (free == names.length) break;
            names[free] = t.name();
        }
        seen = inventory;
    }
}
