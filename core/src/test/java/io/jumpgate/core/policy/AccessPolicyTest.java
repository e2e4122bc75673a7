package io.jumpgate.core.policy;

import io.jumpgate.core.access.GrantLookup;
import io.jumpgate.core.target.InventorySnapshot;
import io.jumpgate.core.target.PowerState;
import io.jumpgate.core.target.Target;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AccessPolicyTest {
    static InetAddress ip(String s) {
        return io.jumpgate.core.util.IpLiterals.require(s);
    }

    static Target target(String name, String addr, PowerState state, Map<String, String> tags) {
        return new Target(name, List.of(name.replace("_", "-") + "-host"), addr == null ? null : ip(addr), tags, name,
                state, "static");
    }

    final InventorySnapshot inv = InventorySnapshot.of(List.of(
            target("web_0", "10.0.0.4", PowerState.RUNNING, Map.of("tier", "web")),
            target("web_1", "10.0.0.5", PowerState.DEALLOCATED, Map.of("tier", "web")),
            target("web_2", null, PowerState.RUNNING, Map.of("tier", "web")),
            target("db_0", "10.0.1.4", PowerState.RUNNING, Map.of("tier", "db")),
            target("self", "10.9.9.9", PowerState.RUNNING, Map.of("tier", "web"))), Instant.EPOCH);

    final Role ops = new Role("ops", new TargetSelector(List.of("web_*", "self"), Map.of()), Set.of(22, 3389),
            List.of(Cidr.parse("192.0.2.0/24")), JitPolicy.NONE, RecordingMode.ON);
    final Role dba = new Role("dba", new TargetSelector(List.of(), Map.of("tier", "db")), Set.of(22),
            List.of(), new JitPolicy(true, Duration.ofHours(1), false, List.of(), 3, false, false), RecordingMode.REQUIRED);
    final User alice = new User("alice", List.of(), List.of("ops", "dba"));
    final User bob = new User("bob", List.of(), List.of("ops"));
    final InetAddress from = ip("198.51.100.7");

    AccessPolicy policy(GrantLookup grants) {
        return new AccessPolicy(Map.of("ops", ops, "dba", dba), Map.of("alice", alice, "bob", bob), Set.of(ip("10.9.9.9")), grants);
    }

    DenyReason denied(Decision d) {
        return assertInstanceOf(Decision.Deny.class, d).reason();
    }

    @Test
    void allowsByNameAliasAndAddress() {
        AccessPolicy p = policy(GrantLookup.NONE);
        for (String host : List.of("web_0", "WEB_0", "web-0-host", "10.0.0.4")) {
            Decision d = p.forUser(bob, host, 22, from, inv);
            Decision.Allow a = assertInstanceOf(Decision.Allow.class, d, host);
            assertEquals("web_0", a.target().name());
            assertEquals(RecordingMode.ON, a.recording());
            assertNull(a.grantId());
        }
    }

    @Test
    void refusesEachForbiddenThingWithItsReason() {
        AccessPolicy p = policy(GrantLookup.NONE);
        assertEquals(DenyReason.UNKNOWN_TARGET, denied(p.forUser(bob, "nosuch", 22, from, inv)));
        assertEquals(DenyReason.UNKNOWN_TARGET, denied(p.forUser(bob, "localhost", 22, from, inv)));
        assertEquals(DenyReason.UNKNOWN_TARGET, denied(p.forUser(bob, "10.0.0.99", 22, from, inv)));
        assertEquals(DenyReason.NOT_IN_ROLE, denied(p.forUser(bob, "db_0", 22, from, inv)));
        assertEquals(DenyReason.PORT_NOT_ALLOWED, denied(p.forUser(bob, "web_0", 8080, from, inv)));
        assertEquals(DenyReason.LOOPBACK, denied(p.forUser(bob, "127.0.0.1", 22, from, inv)));
        assertEquals(DenyReason.LOOPBACK, denied(p.forUser(bob, "::1", 22, from, inv)));
        assertEquals(DenyReason.LINK_LOCAL, denied(p.forUser(bob, "169.254.169.254", 80, from, inv)));
        assertEquals(DenyReason.GATEWAY_ADDRESS, denied(p.forUser(bob, "self", 22, from, inv)));
        assertEquals(DenyReason.GATEWAY_ADDRESS, denied(p.forUser(bob, "0.0.0.0", 22, from, inv)));
        assertEquals(DenyReason.TARGET_NOT_RUNNING, denied(p.forUser(bob, "web_1", 22, from, inv)));
        assertEquals(DenyReason.TARGET_NO_ADDRESS, denied(p.forUser(bob, "web_2", 22, from, inv)));
        assertEquals(DenyReason.GRANT_REQUIRED, denied(p.forUser(alice, "db_0", 22, from, inv)));
    }

    @Test
    void jitRoleNeedsAGrantFromTheRightUserAndSource() {
        GrantLookup grants = (user, t, port, source, justified) ->
                ("alice".equals(user) || user == null) && t.name().equals("db_0") && port == 22 && source.equals(from)
                        ? Optional.of(new GrantLookup.ActiveGrant("g1", "alice", "dba")).filter(justified) : Optional.empty();
        AccessPolicy p = policy(grants);
        Decision.Allow a = assertInstanceOf(Decision.Allow.class, p.forUser(alice, "db_0", 22, from, inv));
        assertEquals("g1", a.grantId());
        assertEquals(RecordingMode.REQUIRED, a.recording());
        assertEquals(DenyReason.GRANT_REQUIRED, denied(p.forUser(alice, "db_0", 22, ip("198.51.100.8"), inv)));
    }

    @Test
    void sourceAdmissionForRelays() {
        GrantLookup grants = (user, t, port, source, justified) -> t.name().equals("db_0") && source.equals(from)
                ? Optional.of(new GrantLookup.ActiveGrant("g2", "alice", "dba")).filter(justified) : Optional.empty();
        AccessPolicy p = policy(grants);
        Target web0 = inv.byName("web_0").orElseThrow();
        Target db0 = inv.byName("db_0").orElseThrow();
        assertTrue(p.forSource(web0, 3389, ip("192.0.2.44")).allowed(), "standing CIDR rule");
        assertEquals(DenyReason.SOURCE_NOT_ADMITTED, denied(p.forSource(web0, 3389, from)));
        // dba requires recording, and a relay records nothing: its grant admits no relay.
        assertEquals(DenyReason.RECORDING_REQUIRED, denied(p.forSource(db0, 22, from)));
        Role dbaRecordedWhenPossible = new Role("dba", dba.targets(), dba.ports(), dba.allowFrom(), dba.jit(), RecordingMode.ON);
        AccessPolicy on = new AccessPolicy(Map.of("ops", ops, "dba", dbaRecordedWhenPossible), Map.of("alice", alice),
                Set.of(ip("10.9.9.9")), grants);
        Decision.Allow g = assertInstanceOf(Decision.Allow.class, on.forSource(db0, 22, from));
        assertEquals("g2", g.grantId());
        assertEquals("alice", g.grantUser());
        assertEquals("dba", g.role());
        assertEquals(RecordingMode.ON, g.recording());
        assertEquals(DenyReason.TARGET_NOT_RUNNING, denied(p.forSource(inv.byName("web_1").orElseThrow(), 3389, ip("192.0.2.44"))));
    }

    @Test
    void snapshotOrdersInstancesNaturally() {
        InventorySnapshot s = InventorySnapshot.of(List.of(
                new Target("vm_10", List.of(), ip("10.0.0.10"), Map.of(), "10", PowerState.RUNNING, "x"),
                new Target("vm_9", List.of(), ip("10.0.0.9"), Map.of(), "9", PowerState.RUNNING, "x"),
                new Target("vm_0", List.of(), ip("10.0.0.1"), Map.of(), "0", PowerState.RUNNING, "x")), Instant.EPOCH);
        assertEquals(List.of("vm_0", "vm_9", "vm_10"), s.targets().stream().map(Target::name).toList());
    }

    @Test
    void anIpLiteralOnlyEverReachesTheTargetAtThatAddress() {
        // A static alias, or a VM named like another target's address, must not take that address over.
        InventorySnapshot s = InventorySnapshot.of(List.of(
                new Target("web", List.of("10.0.0.6"), ip("10.0.0.5"), Map.of(), "web", PowerState.RUNNING, "static"),
                new Target("10.0.0.7", List.of(), ip("10.0.0.8"), Map.of(), "x", PowerState.RUNNING, "azure"),
                new Target("db", List.of(), ip("10.0.0.6"), Map.of(), "db", PowerState.RUNNING, "static")), Instant.EPOCH);
        assertEquals("db", s.resolve("10.0.0.6").orElseThrow().name());
        assertTrue(s.resolve("10.0.0.7").isEmpty(), "no target has that address");
        assertEquals("10.0.0.7", s.resolve("10.0.0.8").orElseThrow().name());
        assertEquals("web", s.resolve("WEB").orElseThrow().name());
    }

    @Test
    void visibleTargetsFollowRoles() {
        assertEquals(List.of("self", "web_0", "web_1", "web_2"),
                policy(GrantLookup.NONE).visibleTargets(bob, inv).stream().map(Target::name).sorted().toList());
    }
}
