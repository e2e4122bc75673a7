package io.jumpgate.gateway;

import io.jumpgate.config.JumpgateConfig;
import io.jumpgate.core.access.GrantLookup;
import io.jumpgate.core.audit.AuditSink;
import io.jumpgate.core.policy.AccessPolicy;
import io.jumpgate.core.policy.Decision;
import io.jumpgate.core.policy.User;
import io.jumpgate.core.target.Inventory;

import java.net.InetAddress;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What every front end of the gateway (SSH, RDP relay, JIT commands, recorded sessions) shares: the
 * configuration, the clock, the audit sink, the inventory and the access policy (which sees grants change
 * through the grant service's in-memory {@link GrantLookup}).
 */
public final class GatewayServices {
    private final JumpgateConfig config;
    private final Clock clock;
    private final AuditSink audit;
    private final Inventory inventory;
    private final Set<InetAddress> gatewayAddresses;
    private final AccessPolicy policy;
    private final LiveConnections connections = new LiveConnections();

    public GatewayServices(JumpgateConfig config, Clock clock, AuditSink audit, Inventory inventory,
                           Set<InetAddress> gatewayAddresses, GrantLookup grants) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.inventory = Objects.requireNonNull(inventory, "inventory");
        this.gatewayAddresses = Set.copyOf(gatewayAddresses);
        this.policy = new AccessPolicy(config.roles(), config.users(), this.gatewayAddresses, grants);
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

    /** The access policy; it reads live grants through the {@link GrantLookup} it was built with. */
    public AccessPolicy policy() {
        return policy;
    }

    /** Connections admitted by grants, cut when the grant ends if {@code limits.terminateOnExpiry}. */
    public LiveConnections connections() {
        return connections;
    }

    /**
     * Whether grant {@code grantId} still admits {@code user} from {@code source} to {@code host:port}: asked again
     * once a connection it admitted is registered in {@link #connections()} (see {@link LiveConnections#register}).
     */
    public boolean stillAdmittedBy(String grantId, User user, String host, int port, InetAddress source) {
        return policy.forUser(user, host, port, source, inventory.snapshot()) instanceof Decision.Allow again
                && grantId.equals(again.grantId());
    }

    public Optional<User> user(String name) {
        return Optional.ofNullable(config.users().get(name));
    }
}
