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
 * {@code start + i} reaches the i-th matching target in instance-id order. Worked out per connection, as the
 * inventory is read (no state to keep in step).
 */
final class NatPoolPorts {
    private NatPoolPorts() {}

    /** The target behind port {@code start + index} of {@code pool}, or empty. */
    static Optional<Target> resolve(PortMapping.NatPool pool, int index, InventorySnapshot inventory) {
        List<Target> matching = inventory.targets().stream().filter(pool.selector()::matches).toList();
        if (!byInstanceId(matching)) return index < matching.size() ? Optional.of(matching.get(index)) : Optional.empty();
        return matching.stream().filter(t -> Long.parseLong(t.instanceId()) == index).findFirst();
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
