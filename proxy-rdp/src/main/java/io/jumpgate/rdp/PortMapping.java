package io.jumpgate.rdp;

import io.jumpgate.core.policy.TargetSelector;
import io.jumpgate.core.target.InventorySnapshot;
import io.jumpgate.core.target.Target;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * How a listening port of the relay finds its target. The target is resolved at accept time from the current
 * inventory snapshot, so mappings follow inventory changes without a restart.
 */
public sealed interface PortMapping {
    /** Name shown in audit and logs. */
    String name();

    /** Port on the target the relay connects to. */
    int backendPort();

    /** Relay raw TCP without inspecting an RDP preamble (non-RDP services, benchmarks). */
    boolean raw();

    /** The frontend ports this mapping listens on (0 means "any free port", for tests). */
    List<Integer> frontendPorts();

    /**
     * The target for a connection accepted on the {@code index}-th port of {@link #frontendPorts()}, or empty
     * when the inventory has none (removed instance, instance beyond the pool).
     */
    Optional<Target> resolve(int index, InventorySnapshot inventory);

    /**
     * Azure load-balancer inbound NAT pool: frontend port {@code start + i} reaches scale-set instance {@code i}, or
     * the i-th target matching {@code selector} in instance-id order where instance ids are not numbers
     * ({@link NatPoolPorts}).
     */
    record NatPool(String name, int start, int end, int backendPort, TargetSelector selector, boolean raw)
            implements PortMapping {
        public NatPool {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(selector, "selector");
            if (start < 1 || end > 65535 || start > end) {
                throw new IllegalArgumentException("NAT pool " + name + ": port range " + start + ".." + end
                        + " must lie in 1..65535 with start <= end");
            }
            checkPort(name, backendPort);
        }

        @Override
        public List<Integer> frontendPorts() {
            return IntStream.rangeClosed(start, end).boxed().toList();
        }

        @Override
        public Optional<Target> resolve(int index, InventorySnapshot inventory) {
            return NatPoolPorts.resolve(this, index, inventory);
        }
    }

    /** One frontend port to one target, by name or alias. */
    record Named(String name, int port, String target, int backendPort, boolean raw) implements PortMapping {
        public Named {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(target, "target");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("mapping " + name + ": port " + port + " outside 0..65535");
            }
            checkPort(name, backendPort);
        }

        @Override
        public List<Integer> frontendPorts() {
            return List.of(port);
        }

        @Override
        public Optional<Target> resolve(int index, InventorySnapshot inventory) {
            return inventory.resolve(target);
        }
    }

    private static void checkPort(String name, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("mapping " + name + ": backend port " + port + " outside 1..65535");
        }
    }
}
