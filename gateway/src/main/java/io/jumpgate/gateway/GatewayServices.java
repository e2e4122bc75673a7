package io.jumpgate.gateway;

import io.jumpgate.config.JumpgateConfig;
import io.jumpgate.core.access.GrantLookup;
import io.jumpgate.core.audit.AuditSink;
import io.jumpgate.core.policy.AccessPolicy;
import io.jumpgate.core.policy.User;
import io.jumpgate.core.target.Inventory;

import java.net.InetAddress;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What every front end of the gateway (SSH, RDP relay, JIT commands, recorded sessions) shares: the
 * configuration, the clock, the audit sink, the inventory and the current access policy. The policy sits
 * behind an {@link AtomicReference} so the grant service can swap in a new {@link GrantLookup} at any time.
 */
public final class GatewayServices {
    private final JumpgateConfig config;
    private final Clock clock;
    private final AuditSink audit;
    private final Inventory inventory;
    private final Set<InetAddress> gatewayAddresses;
    private final AtomicReference<AccessPolicy> policy;
    private final LiveConnections connections = new LiveConnections();

    public GatewayServices(JumpgateConfig config, Clock clock, AuditSink audit, Inventory inventory,
                           Set<InetAddress> gatewayAddresses, GrantLookup grants) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.inventory = Objects.requireNonNull(inventory, "inventory");
        this.gatewayAddresses = Set.copyOf(gatewayAddresses);
        this.policy = new AtomicReference<>(new AccessPolicy(config.roles(), this.gatewayAddresses, grants));
    }

    public JumpgateConfig config() {
        return config;
    }

    public Clock clock() {
        return clock;
    }

    /** The security record; {@code emit} throws {@code AuditWriteException} and callers then refuse the action. */
    public AuditSink audit() {
        return audit;
    }

    public Inventory inventory() {
        return inventory;
    }

    /** Addresses of the gateway itself, never a forwarding destination. */
    public Set<InetAddress> gatewayAddresses() {
        return gatewayAddresses;
    }

    /** The current policy (read it once per decision). */
    public AccessPolicy policy() {
        return policy.get();
    }

    /** Makes decisions from now on consult {@code grants} (the JIT grant service calls this once at start). */
    public void useGrants(GrantLookup grants) {
        policy.updateAndGet(p -> p.withGrants(grants));
    }

    /** Connections admitted by grants, cut when the grant ends if {@code limits.terminateOnExpiry}. */
    public LiveConnections connections() {
        return connections;
    }

    public Optional<User> user(String name) {
        return Optional.ofNullable(config.users().get(name));
    }
}
