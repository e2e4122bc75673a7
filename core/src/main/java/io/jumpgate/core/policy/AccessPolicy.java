package io.jumpgate.core.policy;

import io.jumpgate.core.access.GrantLookup;
import io.jumpgate.core.target.InventorySnapshot;
import io.jumpgate.core.target.PowerState;
import io.jumpgate.core.target.Target;
import io.jumpgate.core.util.IpLiterals;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides whether a user (SSH) or a source address (RDP) may reach a target port. Pure: it reads the
 * inventory snapshot and the in-memory grant index handed to it and does no I/O.
 */
public final class AccessPolicy {
    private final Map<String, Role> roles;
    private final Map<String, User> users;
    private final Set<InetAddress> gatewayAddresses;
    private final GrantLookup grants;

    /**
     * @param roles            roles by name
     * @param users            configured users by name (a grant admits only while its user is one and holds its role)
     * @param gatewayAddresses addresses of the gateway itself (never a forwarding destination)
     * @param grants           active just-in-time grants
     */
    public AccessPolicy(Map<String, Role> roles, Map<String, User> users, Set<InetAddress> gatewayAddresses,
                        GrantLookup grants) {
        this.roles = Map.copyOf(roles);
        this.users = Map.copyOf(users);
        this.gatewayAddresses = Set.copyOf(gatewayAddresses);
        this.grants = grants;
    }

    public Map<String, Role> roles() {
        return roles;
    }

    /** Roles of {@code user} that exist (unknown role names were rejected when the config was loaded). */
    public List<Role> rolesOf(User user) {
        List<Role> out = new ArrayList<>();
        for (String r : user.roles()) {
            Role role = roles.get(r);
            if (role != null) out.add(role);
        }
        return out;
    }

    /** Targets the user may reach with some role (standing or by grant), for {@code ssh gw} listings. */
    public List<Target> visibleTargets(User user, InventorySnapshot inventory) {
        List<Role> mine = rolesOf(user);
        return inventory.targets().stream().filter(t -> mine.stream().anyMatch(r -> r.covers(t))).toList();
    }

    /** Resolves what a client asked for; denies forbidden address classes before looking at roles. */
    public Decision resolve(String host, InventorySnapshot inventory) {
        Optional<Target> target = inventory.resolve(host);
        Optional<InetAddress> literal = IpLiterals.parse(host);
        if (target.isEmpty()) {
            if (literal.isPresent()) {
                return new Decision.Deny(classify(literal.get()).orElse(DenyReason.UNKNOWN_TARGET),
                        "address " + literal.get().getHostAddress() + " is not an inventory target", null);
            }
            return new Decision.Deny(DenyReason.UNKNOWN_TARGET, "no target named '" + host + "'", null);
        }
        Target t = target.get();
        if (t.address() == null) {
            return new Decision.Deny(DenyReason.TARGET_NO_ADDRESS, "target " + t.name() + " has no private address", t);
        }
        Optional<DenyReason> forbidden = classify(t.address());
        if (forbidden.isPresent()) {
            return new Decision.Deny(forbidden.get(), "target " + t.name() + " has forbidden address " + t.addressText(), t);
        }
        if (!t.state().reachable()) {
            String why = t.state() == PowerState.UNKNOWN && inventory.isStale() ? " (inventory: " + inventory.lastError() + ")" : "";
            return new Decision.Deny(DenyReason.TARGET_NOT_RUNNING,
                    "target " + t.name() + " is " + t.state().name().toLowerCase() + why, t);
        }
        return new Decision.Allow(t, 0, null, null, null, RecordingMode.OFF);
    }

    /** SSH: may {@code user}, connecting from {@code source}, open a channel to {@code host:port}? */
    public Decision forUser(User user, String host, int port, InetAddress source, InventorySnapshot inventory) {
        Decision resolved = resolve(host, inventory);
        if (!resolved.allowed()) return resolved;
        Target t = resolved.target();
        List<Role> covering = rolesOf(user).stream().filter(r -> r.covers(t)).toList();
        if (covering.isEmpty()) {
            return new Decision.Deny(DenyReason.NOT_IN_ROLE, "no role of " + user.name() + " covers " + t.name(), t);
        }
        List<Role> withPort = covering.stream().filter(r -> r.ports().contains(port)).toList();
        if (withPort.isEmpty()) {
            return new Decision.Deny(DenyReason.PORT_NOT_ALLOWED, "port " + port + " of " + t.name() + " is not in roles "
                    + covering.stream().map(Role::name).toList(), t);
        }
        RecordingMode recording = strictest(withPort);
        for (Role r : withPort) {
            if (!r.jit().required()) {
                return new Decision.Allow(t, port, r.name(), null, null, recording);
            }
        }
        // The grant's role must still be one of this user's roles with this port (the config may have changed since).
        Optional<GrantLookup.ActiveGrant> grant = grants.find(user.name(), t, port, source,
                g -> withPort.stream().anyMatch(r -> r.name().equals(g.role())));
        if (grant.isPresent()) {
            return new Decision.Allow(t, port, grant.get().role(), grant.get().id(), grant.get().user(), recording);
        }
        return new Decision.Deny(DenyReason.GRANT_REQUIRED, "no active grant for " + user.name() + " to " + t.name()
                + ":" + port + " from " + source.getHostAddress(), t);
    }

    /** RDP and other user-less relays: may a connection from {@code source} reach {@code target:port}? */
    public Decision forSource(Target target, int port, InetAddress source) {
        if (target.address() == null) {
            return new Decision.Deny(DenyReason.TARGET_NO_ADDRESS, "target " + target.name() + " has no private address", target);
        }
        Optional<DenyReason> forbidden = classify(target.address());
        if (forbidden.isPresent()) {
            return new Decision.Deny(forbidden.get(), "target " + target.name() + " has forbidden address " + target.addressText(), target);
        }
        if (!target.state().reachable()) {
            return new Decision.Deny(DenyReason.TARGET_NOT_RUNNING,
                    "target " + target.name() + " is " + target.state().name().toLowerCase(), target);
        }
        // A relayed path is not recorded: a role that requires recording never admits it (as ssh -J is refused for
        // it), and a role that requires a grant gives no standing access through its allowFrom (as on SSH).
        Role unrecordable = null;
        for (Role r : roles.values()) {
            if (r.jit().required() || !r.covers(target, port) || r.allowFrom().stream().noneMatch(c -> c.contains(source))) {
                continue;
            }
            if (r.recording() == RecordingMode.REQUIRED) {
                unrecordable = r;
                continue;
            }
            return new Decision.Allow(target, port, r.name(), null, null, r.recording());
        }
        Optional<GrantLookup.ActiveGrant> grant = grants.find(null, target, port, source,
                g -> justified(g, target, port) && roles.get(g.role()).recording() != RecordingMode.REQUIRED);
        if (grant.isPresent()) {
            return new Decision.Allow(target, port, grant.get().role(), grant.get().id(), grant.get().user(),
                    roles.get(grant.get().role()).recording());
        }
        if (unrecordable == null) {
            unrecordable = grants.find(null, target, port, source, g -> justified(g, target, port))
                    .map(g -> roles.get(g.role())).orElse(null);
        }
        if (unrecordable != null) {
            return new Decision.Deny(DenyReason.RECORDING_REQUIRED, "role " + unrecordable.name() + " requires recording; "
                    + "a relayed connection to " + target.name() + ":" + port + " cannot be recorded", target);
        }
        return new Decision.Deny(DenyReason.SOURCE_NOT_ADMITTED, "source " + source.getHostAddress()
                + " has no standing rule or active grant for " + target.name() + ":" + port, target);
    }

    /**
     * Whether the configuration still supports grant {@code g} (it may have changed since the grant was made, e.g. by
     * a restart): its role exists and covers {@code target:port}, and its user is configured and holds that role.
     */
    private boolean justified(GrantLookup.ActiveGrant g, Target target, int port) {
        Role role = roles.get(g.role());
        User owner = users.get(g.user());
        return role != null && role.covers(target, port) && owner != null && owner.roles().contains(role.name());
    }

    /** Address classes that are never forwarding destinations, whatever the inventory says. */
    public Optional<DenyReason> classify(InetAddress a) {
        if (gatewayAddresses.contains(a) || a.isAnyLocalAddress()) return Optional.of(DenyReason.GATEWAY_ADDRESS);
        if (isHostLoopback(a)) return Optional.of(DenyReason.LOOPBACK);
        if (a.isLinkLocalAddress() || a.isMulticastAddress()) return Optional.of(DenyReason.LINK_LOCAL);
        return Optional.empty();
    }

    /**
     * 127.0.0.1 and ::1 are the gateway host itself. Other 127/8 addresses are only reachable when the
     * inventory lists them (tests and demos use 127.0.0.x as stand-ins for private instance addresses;
     * the config refuses them unless {@code limits.allowLoopbackTargets} is set).
     */
    private static boolean isHostLoopback(InetAddress a) {
        if (a instanceof Inet6Address) return a.isLoopbackAddress();
        byte[] b = a.getAddress();
        return b[0] == 127 && b[1] == 0 && b[2] == 0 && b[3] == 1;
    }

    private static RecordingMode strictest(List<Role> roles) {
        RecordingMode m = RecordingMode.OFF;
        for (Role r : roles) {
            if (r.recording().ordinal() > m.ordinal()) m = r.recording();
        }
        return m;
    }
}
