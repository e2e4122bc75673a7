package io.jumpgate.config.azure;

import io.jumpgate.testkit.MutableClock;

import io.jumpgate.core.audit.AuditEvent;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.MemoryAuditSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NsgJustInTimeTest {
    private static final Instant T0 = Instant.parse("2026-11-21T12:00:00Z");
    private FakeArm arm;
    private FakeArm.Vmss web;
    private FakeArm.Nsg nicNsg, subnetNsg;
    private AzureClients clients;
    private final MemoryAuditSink audit = new MemoryAuditSink();
    private final MutableClock clock = new MutableClock(T0);

    static Map<String, Object> rule(String access, String source, String port, int priority) {
        return Map.of("protocol", "Tcp", "sourcePortRange", "*", "destinationPortRange", port, "sourceAddressPrefix", source,
                "destinationAddressPrefix", "*", "access", access, "priority", priority, "direction", "Inbound");
    }

    @BeforeEach
    void start() throws Exception {
        arm = FakeArm.start();
        web = arm.scaleSet("rg-web", "web");
        web.add(0, "127.0.0.20", "running", "1");
        nicNsg = arm.nsg("rg-web", "nsg-web");
        subnetNsg = arm.nsg("rg-net", "nsg-subnet");
        web.nicNsgId = nicNsg.id();
        web.subnetId = "/subscriptions/" + FakeArm.SUB + "/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/app";
        arm.subnetNsgs.put(web.subnetId.toLowerCase(), subnetNsg.id());
        arm.putRule(nicNsg, "allow-office-ssh", rule("Allow", "198.51.100.0/24", "22", 100));
        arm.putRule(nicNsg, "allow-https-any", rule("Allow", "*", "443", 200));
        arm.putRule(nicNsg, "deny-ssh", rule("Deny", "*", "22", 300));
        arm.putRule(subnetNsg, "deny-admin-ports", rule("Deny", "Internet", "20-3390", 250));
        arm.putRule(subnetNsg, "allow-lb", rule("Allow", "AzureLoadBalancer", "*", 150));
        clients = AzureVmssInventoryTest.clients(arm);
    }

    @AfterEach
    void stop() {
        arm.close();
    }

    private NsgJustInTime jit(String gateway) {
        return new NsgJustInTime(clients, gateway, audit, clock);
    }

    private NsgJustInTime.Request request(String grant, Duration ttl) {
        return new NsgJustInTime.Request(grant, "alice", "web_0", web.nicId(web.instances.get(0)), "203.0.113.7", "127.0.0.20",
                22, T0.plus(ttl));
    }

    private List<AuditEvent> events(AuditType t) {
        return audit.matching(e -> e.type() == t);
    }

    @Test
    void opensAnAllowRuleAboveTheDenyOnTheNicAndSubnetNsgsAndRemovesItAtExpiry() {
        var nicBefore = arm.rules(nicNsg);
        var subnetBefore = arm.rules(subnetNsg);
        NsgJustInTime jit = jit("gw1");

        NsgJustInTime.Opened o = jit.open(request("g-1", Duration.ofMinutes(10)));

        assertEquals(2, o.rules().size());
        Map<String, Object> r = arm.rules(nicNsg).get("jumpgate-jit-g-1");
        assertEquals("Inbound", r.get("direction"));
        assertEquals("Allow", r.get("access"));
        assertEquals("Tcp", r.get("protocol"));
        assertEquals("203.0.113.7/32", r.get("sourceAddressPrefix"));
        assertEquals("127.0.0.20", r.get("destinationAddressPrefix"));
        assertEquals("22", r.get("destinationPortRange"));
        assertEquals(101, r.get("priority"), "lowest free number (100 is taken) below deny-ssh at 300");
        assertEquals("jumpgate-jit gw=gw1 exp=" + T0.plusSeconds(600).getEpochSecond() + " grant=g-1 user=alice", r.get("description"));
        assertEquals(100, arm.rules(subnetNsg).get("jumpgate-jit-g-1").get("priority"), "below deny-admin-ports at 250");
        assertEquals(2, events(AuditType.NSG_RULE_CREATED).size());
        assertEquals("alice", events(AuditType.NSG_RULE_CREATED).get(0).user());

        assertEquals(0, jit.sweepExpired(T0.plus(Duration.ofMinutes(9))));
        assertTrue(arm.rules(nicNsg).containsKey("jumpgate-jit-g-1"));
        assertEquals(2, jit.sweepExpired(T0.plus(Duration.ofMinutes(10))));
        assertEquals(nicBefore, arm.rules(nicNsg), "NSG back to its previous state");
        assertEquals(subnetBefore, arm.rules(subnetNsg));
        assertEquals(List.of("expired", "expired"), events(AuditType.NSG_RULE_REMOVED).stream().map(AuditEvent::code).toList());
        assertTrue(jit.opened().isEmpty());
    }

    @Test
    void closeRemovesTheRulesOfOneGrantOnly() {
        NsgJustInTime jit = jit("gw1");
        jit.open(request("g-1", Duration.ofMinutes(10)));
        jit.open(request("g-2", Duration.ofMinutes(10)));
        assertEquals(102, arm.rules(nicNsg).get("jumpgate-jit-g-2").get("priority"));
        assertEquals(2, jit.close("g-1", T0.plusSeconds(600)));
        assertFalse(arm.rules(nicNsg).containsKey("jumpgate-jit-g-1"));
        assertTrue(arm.rules(nicNsg).containsKey("jumpgate-jit-g-2"));
        assertEquals(0, jit.close("g-1", T0.plusSeconds(600)), "closing twice is harmless");
    }

    /**
     * NsgNetworkAccess.grantEnded (closer thread) can run close(id) before JitCommand's open(id) for the same grant (it
     * was revoked while its request was still opening the rule): that open is refused, so no rule outlives the grant.
     */
    @Test
    void anOpenAfterItsGrantWasClosedIsRefusedAndTheMemoryOfTheCloseEndsAtTheGrantsExpiry() {
        NsgJustInTime jit = jit("gw1");
        var before = arm.rules(nicNsg);
        assertEquals(0, jit.close("g-1", T0.plus(Duration.ofHours(1))), "grant g-1 revoked: nothing opened yet");

        var e = assertThrows(NsgJustInTime.RefusedException.class, () -> jit.open(request("g-1", Duration.ofHours(1))));
        assertEquals("grant_ended", e.code());
        assertEquals(before, arm.rules(nicNsg), "no rule for the revoked grant");
        assertEquals("grant_ended", events(AuditType.NSG_RULE_REFUSED).get(0).code());
        jit.open(request("g-2", Duration.ofHours(1)));
        assertTrue(arm.rules(nicNsg).containsKey("jumpgate-jit-g-2"), "other grants are not affected");

        jit.sweepExpired(T0.plus(Duration.ofMinutes(59)));
        assertEquals(java.util.Set.of("g-1"), jit.closedGrants());
        jit.sweepExpired(T0.plus(Duration.ofHours(1)));
        assertTrue(jit.closedGrants().isEmpty(), "forgotten at the grant's expiry");
    }

    @Test
    void refusesWhenAGeneralAllowRuleExistsNamingItAndLeavesNothingBehind() {
        arm.putRule(subnetNsg, "legacy-ssh-open", rule("Allow", "Internet", "22", 400));
        var nicBefore = arm.rules(nicNsg);
        NsgJustInTime jit = jit("gw1");

        var e = assertThrows(NsgJustInTime.RefusedException.class, () -> jit.open(request("g-3", Duration.ofMinutes(10))));

        assertEquals("general_allow_exists", e.code());
        assertTrue(e.getMessage().contains("'legacy-ssh-open'"), e.getMessage());
        assertEquals(nicBefore, arm.rules(nicNsg), "the rule already added on the NIC NSG was rolled back");
        assertFalse(arm.rules(subnetNsg).containsKey("jumpgate-jit-g-3"));
        AuditEvent refused = events(AuditType.NSG_RULE_REFUSED).get(0);
        assertEquals("general_allow_exists", refused.code());
        assertEquals("rolled_back", events(AuditType.NSG_RULE_REMOVED).get(0).code());
    }

    @Test
    void refusesWhenNoPriorityIsFreeAboveTheDeny() {
        arm.putRule(nicNsg, "deny-all-first", rule("Deny", "*", "*", 100));
        arm.nsgs.values().forEach(n -> n.rules.remove("allow-office-ssh"));
        var e = assertThrows(NsgJustInTime.RefusedException.class, () -> jit("gw1").open(request("g-4", Duration.ofMinutes(5))));
        assertEquals("no_free_priority", e.code());
    }

    @Test
    void aRestartedGatewayRemovesItsOwnExpiredRulesAndLeavesOthersAlone() {
        NsgJustInTime before = jit("gw1");
        before.open(request("short", Duration.ofMinutes(1)));
        before.open(request("long", Duration.ofHours(1)));
        String expired = "jumpgate-jit gw=gw2 exp=" + T0.getEpochSecond() + " grant=foreign";
        Map<String, Object> foreign = new java.util.LinkedHashMap<>(rule("Allow", "192.0.2.1/32", "22", 150));
        foreign.put("description", expired);
        arm.putRule(nicNsg, "jumpgate-jit-foreign", foreign);
        Map<String, Object> lookalike = new java.util.LinkedHashMap<>(rule("Allow", "192.0.2.2/32", "22", 151));
        lookalike.put("description", "made by hand");
        arm.putRule(nicNsg, "jumpgate-jit-lookalike", lookalike);

        clock.set(T0.plus(Duration.ofMinutes(2)));
        NsgJustInTime after = jit("gw1");
        assertEquals(2, after.cleanupOwnRules(grant -> false));

        var rules = arm.rules(nicNsg);
        assertFalse(rules.containsKey("jumpgate-jit-short"));
        assertTrue(rules.containsKey("jumpgate-jit-long"));
        assertTrue(rules.containsKey("jumpgate-jit-foreign"), "another gateway's rule is not ours");
        assertTrue(rules.containsKey("jumpgate-jit-lookalike"), "a rule without our marker is not ours");
        assertTrue(rules.containsKey("deny-ssh"));
        assertEquals(List.of("expired_before_restart", "expired_before_restart"),
                events(AuditType.NSG_RULE_REMOVED).stream().map(AuditEvent::code).toList());

        assertEquals(2, after.sweepExpired(T0.plus(Duration.ofHours(2))), "unexpired rules were adopted");
        assertFalse(arm.rules(subnetNsg).containsKey("jumpgate-jit-long"));
    }

    @Test
    void aRuleWhoseRemovalFailsIsRetriedByEverySweepUntilItIsGone() {
        NsgJustInTime jit = jit("gw1");
        jit.open(request("g-1", Duration.ofHours(1)));
        arm.fail("securityrules/jumpgate-jit-g-1", 403, 10, null);

        assertEquals(0, jit.close("g-1", T0.plus(Duration.ofHours(1))), "the grant was revoked, but Azure refuses the deletes for now");
        assertTrue(arm.rules(nicNsg).containsKey("jumpgate-jit-g-1"));
        assertEquals(java.util.Set.of("g-1"), jit.stillClosing());
        assertEquals(List.of("remove_failed", "remove_failed"), events(AuditType.NSG_RULE_REMOVED).stream().map(AuditEvent::code).toList());

        assertEquals(0, jit.sweepExpired(T0.plus(Duration.ofMinutes(1))), "still refused");
        arm.clearFaults();
        assertEquals(2, jit.sweepExpired(T0.plus(Duration.ofMinutes(2))), "long before the grant's expiry");
        assertFalse(arm.rules(nicNsg).containsKey("jumpgate-jit-g-1"));
        assertFalse(arm.rules(subnetNsg).containsKey("jumpgate-jit-g-1"));
        assertTrue(jit.stillClosing().isEmpty());
        assertEquals(0, jit.sweepExpired(T0.plus(Duration.ofMinutes(3))), "nothing left to retry");
    }

    @Test
    void aRestartedGatewayRemovesRulesOfGrantsThatEndedWhileItWasDown() {
        NsgJustInTime before = jit("gw1");
        before.open(request("revoked", Duration.ofHours(1)));
        before.open(request("active", Duration.ofHours(1)));

        NsgJustInTime after = jit("gw1");
        assertEquals(2, after.cleanupOwnRules(grant -> grant.equals("revoked")));
        assertFalse(arm.rules(nicNsg).containsKey("jumpgate-jit-revoked"));
        assertFalse(arm.rules(subnetNsg).containsKey("jumpgate-jit-revoked"));
        assertTrue(arm.rules(nicNsg).containsKey("jumpgate-jit-active"));
        assertEquals(List.of("ended_before_restart", "ended_before_restart"),
                events(AuditType.NSG_RULE_REMOVED).stream().map(AuditEvent::code).toList());

        // While the grant store cannot answer, the cleanup fails and is retried; nothing is adopted blindly.
        NsgJustInTime third = jit("gw1");
        assertThrows(IllegalStateException.class, () -> third.cleanupOwnRules(grant -> {
            throw new IllegalStateException("grant store down");
        }));
    }

    @Test
    void theBackgroundSweepRemovesRulesAtExpiry() {
        try (NsgJustInTime jit = jit("gw1")) {
            jit.open(request("g-7", Duration.ofMinutes(5)));
            jit.start(Duration.ofMillis(50), grant -> false);
            clock.set(T0.plus(Duration.ofMinutes(6)));
            io.jumpgate.testkit.Poll.until(Duration.ofSeconds(20), "rule removed by the sweeper",
                    () -> !arm.rules(nicNsg).containsKey("jumpgate-jit-g-7") && !arm.rules(subnetNsg).containsKey("jumpgate-jit-g-7"));
        }
    }

    @Test
    void badInputIsRefusedClearly() {
        String nic = web.nicId(web.instances.get(0));
        assertThrows(IllegalArgumentException.class, () -> new NsgJustInTime.Request("bad id", "u", "t", nic, "203.0.113.7", null, 22, T0));
        var anyone = assertThrows(IllegalArgumentException.class,
                () -> new NsgJustInTime.Request("g", "u", "t", nic, "0.0.0.0/0", null, 22, T0.plusSeconds(60)));
        assertTrue(anyone.getMessage().contains("everyone"));
        assertThrows(IllegalArgumentException.class, () -> new NsgJustInTime.Request("g", "u", "t", nic, "not-an-ip", null, 22, T0));
        assertThrows(IllegalArgumentException.class, () -> new NsgJustInTime.Request("g", "u", "t", nic, "203.0.113.7", null, 70000, T0));
        assertThrows(IllegalArgumentException.class, () -> jit("has space"));

        var past = assertThrows(NsgJustInTime.RefusedException.class,
                () -> jit("gw1").open(request("g-5", Duration.ofMinutes(-1))));
        assertEquals("already_expired", past.code());
        String missingNic = nic.replace("virtualMachines/0", "virtualMachines/9");
        var missing = assertThrows(NsgJustInTime.RefusedException.class, () -> jit("gw1").open(
                new NsgJustInTime.Request("g-6", "u", "t", missingNic, "203.0.113.7", null, 22, T0.plusSeconds(60))));
        assertEquals("lookup_failed", missing.code());
        assertTrue(missing.getMessage().contains("HTTP 404"), missing.getMessage());
    }
}
