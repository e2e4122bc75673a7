package io.jumpgate.rdp;

import io.jumpgate.core.target.InventorySnapshot;
import io.jumpgate.core.target.Target;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which target each port of one NAT pool reaches, from the inventory alone (no history, so every gateway and every
 * restart agrees). When every matching target has a numeric instance id, unique in the pool (the instances of one
 * scale set: {@code 0}, {@code 1}, …), port {@code start + i} reaches instance {@code i}: a removed instance's port
 * refuses new connections and no other instance moves, and instances whose id is beyond the pool have no port.
 * Otherwise (a static inventory, whose ids are names, or a pool over two scale sets, whose ids collide) port
 * {@code start + i} reaches the i-th matching target in instance-id order. Worked out once per inventory snapshot.
 */
final class NatPoolPorts implements PortMapping.Resolver {
    private final PortMapping.NatPool pool;
    private volatile Worked last;

    private record Worked(InventorySnapshot inventory, Target[] byPort) {}

    NatPoolPorts(PortMapping.NatPool pool) {
        this.pool = pool;
    }

    @Override
    public Optional<Target> resolve(int index, InventorySnapshot inventory) {
        Worked w = last;
        if (w == null || w.inventory() != inventory) {
            w = new Worked(inventory, assign(inventory));
            last = w; // racing threads work out the same answer for the same snapshot
        }
        return index < w.byPort().length ? Optional.ofNullable(w.byPort()[index]) : Optional.empty();
    }

    private Target[] assign(InventorySnapshot inventory) {
        Target[] byPort = new Target[pool.end() - pool.start() + 1];
        List<Target> matching = inventory.targets().stream().filter(pool.selector()::matches).toList();
        if (byInstanceId(matching)) {
            for (Target t : matching) {
                long id = Long.parseLong(t.instanceId());
                if (id < byPort.length) byPort[(int) id] = t;
            }
        } else {
            for (int i = 0; i < byPort.length && i < matching.size(); i++) byPort[i] = matching.get(i);
        }
        return byPort;
    }

    /** Do the targets carry numeric instance ids, each once (one scale set's instances)? */
    static boolean byInstanceId(List<Target> targets) {
        Set<String> seen = new HashSet<>();
        for (Target t : targets) {
            String id = t.instanceId();
            if (id.isEmpty() || id.length() > 9 || !id.chars().allMatch(c -> c >= '0' && c <= '9') || !seen.add(id)) return false;
        }
        return true;
    }
}
