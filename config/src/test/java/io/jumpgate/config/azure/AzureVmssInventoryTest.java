package io.jumpgate.config.azure;

import com.azure.core.http.policy.ExponentialBackoffOptions;
import com.azure.core.http.policy.RetryOptions;
import io.jumpgate.core.access.GrantLookup;
import io.jumpgate.core.audit.AuditEvent;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.MemoryAuditSink;
import io.jumpgate.core.policy.AccessPolicy;
import io.jumpgate.core.policy.Decision;
import io.jumpgate.core.policy.DenyReason;
import io.jumpgate.core.target.InventorySnapshot;
import io.jumpgate.core.target.PowerState;
import io.jumpgate.core.target.Target;
import io.jumpgate.testkit.Poll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AzureVmssInventoryTest {
    private static final Instant NOW = Instant.parse("2026-11-21T12:00:00Z");
    private FakeArm arm;
    private FakeArm.Vmss web;
    private final MemoryAuditSink audit = new MemoryAuditSink();
    private final AccessPolicy policy = new AccessPolicy(Map.of(), Map.of(), Set.of(), GrantLookup.NONE);

    @BeforeEach
    void start() throws Exception {
        arm = FakeArm.start();
        web = arm.scaleSet("rg-web", "web");
        web.tags.put("env", "prod");
        web.add(0, "127.0.0.20", "running", "1");
        web.add(1, "127.0.0.21", "running", "2");
        web.add(2, "127.0.0.22", "deallocated", "3");
        web.add(3, null, "running", "1");
        web.add(10, "127.0.0.30", "running", "2").tags.put("role", "canary");
    }

    @AfterEach
    void stop() {
        arm.close();
    }

    static AzureClients clients(FakeArm arm) throws Exception {
        RetryOptions retry = new RetryOptions(new ExponentialBackoffOptions().setMaxRetries(3)
                .setBaseDelay(Duration.ofMillis(50)).setMaxDelay(Duration.ofSeconds(2)));
        return new AzureClients(null, FakeArm.SUB, arm.endpoints(), FakeArm.credential(),
                AzureClients.httpClient(HttpClient.newBuilder().sslContext(TestTls.get().client)), retry);
    }

    private AzureVmssInventory inventory(List<AzureSettings.ScaleSetRef> sets, Map<String, String> selector,
                                         Duration every) throws Exception {
        AzureSettings s = new AzureSettings(FakeArm.SUB, null, new AzureSettings.DefaultChain(), sets, selector, false,
                every, arm.endpoints());
        return new AzureVmssInventory(clients(arm), s, audit, Clock.fixed(NOW, ZoneOffset.UTC), true);
    }

    private AzureVmssInventory webInventory() throws Exception {
        return inventory(List.of(new AzureSettings.ScaleSetRef("rg-web", "web")), Map.of(), Duration.ofMinutes(1));
    }

    private List<AuditEvent> events(AuditType type) {
        return audit.matching(e -> e.type() == type);
    }

    @Test
    void readsInstancesAcrossPagesWithStateAddressZoneAndTags() throws Exception {
        try (AzureVmssInventory inv = webInventory()) {
            assertTrue(inv.snapshot().isStale(), "nothing read yet");
            InventorySnapshot snap = inv.refresh();

            assertFalse(snap.isStale(), snap.lastError());
            assertEquals(NOW, snap.fetchedAt());
            assertEquals(List.of("web_0", "web_1", "web_2", "web_3", "web_10"), snap.targets().stream().map(Target::name).toList());
            assertTrue(arm.count("GET", "skiptoken=2") >= 2, "followed nextLink for instances and NICs: " + arm.requests);
            assertTrue(arm.count("GET", "skiptoken=4") >= 2, "followed the second nextLink too");

            Target t0 = snap.resolve("web000000").orElseThrow();
            assertEquals("web_0", t0.name());
            assertEquals(InetAddress.getByName("127.0.0.20"), t0.address());
            assertEquals(PowerState.RUNNING, t0.state());
            assertEquals("0", t0.instanceId());
            assertEquals("azure:rg-web/web", t0.source());
            assertEquals(Map.of("env", "prod", "azure:zone", "1", "azure:resourceGroup", "rg-web", "azure:scaleSet", "web"), t0.tags());
            assertEquals("canary", snap.byName("web_10").orElseThrow().tags().get("role"));
            assertEquals(Optional.of(web.nicId(web.instances.get(0))), inv.networkInterfaceId("WEB_0"));

            assertTrue(policy.resolve("web_1", snap).allowed());
            Decision dealloc = policy.resolve("web_2", snap);
            assertEquals(DenyReason.TARGET_NOT_RUNNING, assertInstanceOf(Decision.Deny.class, dealloc).reason());
            assertTrue(((Decision.Deny) dealloc).detail().contains("deallocated"));
            assertEquals(DenyReason.TARGET_NO_ADDRESS, ((Decision.Deny) policy.resolve("web_3", snap)).reason());

            AuditEvent refreshed = events(AuditType.INVENTORY_REFRESHED).get(0);
            assertEquals(5, refreshed.fields().get("targets"));
            assertEquals(4, refreshed.fields().get("running"), "web_3 runs, though without an address");
            inv.refresh();
            assertEquals(1, events(AuditType.INVENTORY_REFRESHED).size(), "no event when nothing changed");
        }
    }

    @Test
    void scaleOutAddsAndScaleInRemovesTargets() throws Exception {
        try (AzureVmssInventory inv = webInventory()) {
            inv.refresh();
            synchronized (arm) {
                web.add(11, "127.0.0.31", "running", "3");
            }
            InventorySnapshot out = inv.refresh();
            assertTrue(policy.resolve("web_11", out).allowed());
            AuditEvent grown = events(AuditType.INVENTORY_REFRESHED).get(1);
            assertEquals(1, grown.fields().get("added"));

            synchronized (arm) {
                web.instances.remove(0);
            }
            InventorySnapshot in = inv.refresh();
            assertTrue(in.byName("web_0").isEmpty());
            Decision gone = policy.resolve("web_0", in);
            assertEquals(DenyReason.UNKNOWN_TARGET, ((Decision.Deny) gone).reason());
            assertEquals(DenyReason.UNKNOWN_TARGET, ((Decision.Deny) policy.resolve("127.0.0.20", in)).reason(),
                    "its old address is no longer a target either");
            assertEquals(1, events(AuditType.INVENTORY_REFRESHED).get(2).fields().get("removed"));
        }
    }

    @Test
    void throttlingWithRetryAfterIsRetriedBySdk() throws Exception {
        try (AzureVmssInventory inv = webInventory()) {
            arm.fail("web/virtualmachines", 429, 1, "1");
            long t0 = System.nanoTime();
            InventorySnapshot snap = inv.refresh();
            assertFalse(snap.isStale(), snap.lastError());
            assertEquals(5, snap.targets().size());
            assertTrue(Duration.ofNanos(System.nanoTime() - t0).toMillis() >= 900, "waited for Retry-After: 1");
            assertEquals(2, arm.requests.stream().filter(r -> r.endsWith("/web/virtualMachines?api-version=2025-04-01&$expand=instanceView")).count(),
                    arm.requests.toString());
        }
    }

    @Test
    void unauthorizedAndForbiddenKeepTheLastSnapshotAndReportStale() throws Exception {
        try (AzureVmssInventory inv = webInventory()) {
            InventorySnapshot good = inv.refresh();

            arm.fail("/virtualmachinescalesets", 401, 100, null);
            InventorySnapshot s401 = inv.refresh();
            assertTrue(s401.isStale());
            assertEquals(good.targets(), s401.targets());
            assertEquals(good.fetchedAt(), s401.fetchedAt());
            assertTrue(s401.lastError().startsWith("HTTP 401"), s401.lastError());
            assertTrue(s401.lastError().contains("identity was not accepted"), s401.lastError());
            assertTrue(policy.resolve("web_1", s401).allowed(), "stale targets still resolve");

            arm.clearFaults();
            arm.fail("/virtualmachinescalesets", 403, 100, null);
            InventorySnapshot s403 = inv.refresh();
            assertTrue(s403.lastError().contains("HTTP 403 AuthorizationFailed"), s403.lastError());
            assertTrue(s403.lastError().contains("Reader"), s403.lastError());
            inv.refresh();

            List<AuditEvent> stale = events(AuditType.INVENTORY_STALE);
            assertEquals(List.of("http_401", "http_403"), stale.stream().map(AuditEvent::code).toList(),
                    "one event per distinct error, not per attempt");
            assertEquals(5, stale.get(0).fields().get("targets"));

            arm.clearFaults();
            InventorySnapshot back = inv.refresh();
            assertFalse(back.isStale());
            assertEquals(true, events(AuditType.INVENTORY_REFRESHED).get(1).fields().get("recovered"));
        }
    }

    /**
     * Resource Manager unreadable for longer than maxStaleness: an address kept that long may belong to another
     * machine now, so the targets stay listed (a user is told why) with an unknown state, refused, audited once;
     * a good read restores them.
     */
    @Test
    void targetsKeptLongerThanMaxStalenessAreRefusedUntilResourceManagerAnswers() throws Exception {
        io.jumpgate.testkit.MutableClock clock = new io.jumpgate.testkit.MutableClock(NOW);
        AzureSettings s = new AzureSettings(FakeArm.SUB, null, new AzureSettings.DefaultChain(),
                List.of(new AzureSettings.ScaleSetRef("rg-web", "web")), Map.of(), false, Duration.ofMinutes(1),
                arm.endpoints(), null, Duration.ofMinutes(30));
        try (AzureVmssInventory inv = new AzureVmssInventory(clients(arm), s, audit, clock, true)) {
            inv.refresh();
            arm.fail("/virtualmachinescalesets", 503, 1000, null);
            clock.advance(Duration.ofMinutes(29));
            InventorySnapshot stale = inv.refresh();
            assertTrue(policy.resolve("web_1", stale).allowed(), "within maxStaleness stale targets still resolve");

            clock.advance(Duration.ofMinutes(2));
            InventorySnapshot tooOld = inv.refresh();
            assertEquals(5, tooOld.targets().size(), "still listed");
            Decision d = policy.resolve("web_1", tooOld);
            assertInstanceOf(Decision.Deny.class, d);
            assertEquals(DenyReason.TARGET_NOT_RUNNING, ((Decision.Deny) d).reason());
            assertTrue(((Decision.Deny) d).detail().contains("maxStaleness"), ((Decision.Deny) d).detail());
            clock.advance(Duration.ofMinutes(1));
            inv.refresh();
            List<AuditEvent> refused = audit.matching(e -> e.type() == AuditType.INVENTORY_STALE && e.code().equals("max_staleness"));
            assertEquals(1, refused.size(), "audited once, when the limit is crossed");
            assertEquals(5, refused.get(0).fields().get("targets"));

            arm.clearFaults();
            InventorySnapshot back = inv.refresh();
            assertFalse(back.isStale());
            assertTrue(policy.resolve("web_1", back).allowed());
        }
    }

    @Test
    void tagSelectorFindsScaleSetsInOtherResourceGroups() throws Exception {
        FakeArm.Vmss api = arm.scaleSet("rg-api", "api");
        api.tags.put("jumpgate", "yes");
        api.add(4, "127.0.0.40", "running", null);
        FakeArm.Vmss other = arm.scaleSet("rg-other", "batch");
        other.add(0, "127.0.0.50", "running", null);
        try (AzureVmssInventory inv = inventory(List.of(), Map.of("JumpGate", "yes"), Duration.ofMinutes(1))) {
            InventorySnapshot snap = inv.refresh();
            assertEquals(List.of("api_4"), snap.targets().stream().map(Target::name).toList(), String.valueOf(snap.lastError()));
            assertEquals("rg-api", snap.targets().get(0).tags().get("azure:resourceGroup"));
        }
    }

    @Test
    void standaloneVmsInTheSameResourceGroupsWhenAsked() throws Exception {
        arm.vm("rg-web", "bastion-old", "127.0.0.60", "running").tags.put("env", "prod");
        arm.vm("rg-web", "build-agent", "127.0.0.61", "stopped");
        arm.vm("rg-elsewhere", "unrelated", "127.0.0.62", "running");
        AzureSettings s = new AzureSettings(FakeArm.SUB, null, new AzureSettings.DefaultChain(),
                List.of(new AzureSettings.ScaleSetRef("rg-web", "web")), Map.of(), true, Duration.ofMinutes(1), arm.endpoints());
        try (AzureVmssInventory inv = new AzureVmssInventory(clients(arm), s, audit, Clock.fixed(NOW, ZoneOffset.UTC), true)) {
            InventorySnapshot snap = inv.refresh();
            assertFalse(snap.isStale(), snap.lastError());
            Target vm = snap.resolve("bastionold").orElseThrow();
            assertEquals("bastion-old", vm.name());
            assertEquals(InetAddress.getByName("127.0.0.60"), vm.address());
            assertEquals("azure:rg-web/bastion-old", vm.source());
            assertEquals(PowerState.STOPPED, snap.byName("build-agent").orElseThrow().state());
            assertTrue(snap.byName("unrelated").isEmpty(), "other resource groups are not scanned");
            assertEquals(7, snap.targets().size());
        }
    }

    @Test
    void loopbackAndLinkLocalInstanceAddressesAreNotTrusted() throws Exception {
        web.instances.get(0).ip = "169.254.169.254";
        web.instances.get(1).ip = "127.0.0.1";
        AzureSettings s = new AzureSettings(FakeArm.SUB, null, new AzureSettings.DefaultChain(),
                List.of(new AzureSettings.ScaleSetRef("rg-web", "web")), Map.of(), false, Duration.ofMinutes(1), arm.endpoints());
        try (AzureVmssInventory inv = new AzureVmssInventory(clients(arm), s, audit, Clock.fixed(NOW, ZoneOffset.UTC), false)) {
            InventorySnapshot snap = inv.refresh();
            assertEquals(null, snap.byName("web_0").orElseThrow().address(), "metadata address dropped");
            assertEquals(null, snap.byName("web_1").orElseThrow().address(), "gateway's own loopback dropped");
            assertEquals(null, snap.byName("web_10").orElseThrow().address(), "127.0.0.x needs allowLoopbackTargets");
            assertEquals(DenyReason.TARGET_NO_ADDRESS, ((Decision.Deny) policy.resolve("web_0", snap)).reason());
        }
    }

    @Test
    void aMissingScaleSetContributesNothingAndIsReportedWhileTheOthersStayCurrent() throws Exception {
        FakeArm.Vmss old = arm.scaleSet("rg-web", "old");
        old.add(0, "127.0.0.40", "running", null);
        try (AzureVmssInventory inv = inventory(List.of(new AzureSettings.ScaleSetRef("rg-web", "web"),
                new AzureSettings.ScaleSetRef("rg-web", "old"), new AzureSettings.ScaleSetRef("rg-web", "nope")), Map.of(),
                Duration.ofMinutes(1))) {
            InventorySnapshot snap = inv.refresh();
            assertFalse(snap.isStale(), snap.lastError());
            assertEquals(6, snap.targets().size());
            assertEquals(List.of("rg-web/nope"), events(AuditType.INVENTORY_REFRESHED).get(0).fields().get("missing"));
            // "old" is deleted and "web" scales in and out: the deletion must not freeze web's changes (it used to keep
            // the whole last snapshot, scaled-in web_0 included, for as long as "old" stayed configured).
            synchronized (arm) {
                arm.scaleSets.remove("rg-web/old");
                web.instances.remove(0);
                web.add(12, "127.0.0.32", "running", null);
            }
            snap = inv.refresh();
            assertFalse(snap.isStale(), snap.lastError());
            assertTrue(snap.byName("web_12").isPresent(), "scale-out seen");
            assertTrue(snap.byName("web_0").isEmpty(), "scale-in seen");
            assertTrue(snap.byName("old_0").isEmpty(), "the deleted set's instances are gone");
            AuditEvent last = events(AuditType.INVENTORY_REFRESHED).get(1);
            assertEquals(List.of("rg-web/old", "rg-web/nope"), last.fields().get("missing"));
        }
    }

    @Test
    void aComputerNameNeverTakesAnotherMachinesName() throws Exception {
        arm.vm("rg-web", "app-2", "127.0.0.60", "running");  // its computer name is "app2" (the fake drops '-')
        arm.vm("rg-web", "app2", "127.0.0.61", "running");   // a VM named app2: a clone, a rebuild
        try (AzureVmssInventory inv = standaloneInventory()) {
            InventorySnapshot snap = inv.refresh();
            assertEquals(InetAddress.getByName("127.0.0.61"), snap.resolve("app2").orElseThrow().address(),
                    "'app2' reaches VM app2, not app-2's computer name");
            assertEquals(List.of(), snap.byName("app-2").orElseThrow().aliases(), "the taken alias is dropped");
        }
    }

    @Test
    void azureTagsOnAResourceCannotClaimWhatTheGatewaySets() throws Exception {
        arm.vm("rg-web", "dev-box", "127.0.0.70", "running").tags.put("azure:scaleSet", "web");
        web.instances.get(0).tags.put("Azure:ResourceGroup", "rg-prod");
        try (AzureVmssInventory inv = standaloneInventory()) {
            InventorySnapshot snap = inv.refresh();
            Map<String, String> devBox = snap.byName("dev-box").orElseThrow().tags();
            assertEquals(null, devBox.get("azure:scaleSet"), "a standalone VM is in no scale set: " + devBox);
            Map<String, String> web0 = snap.byName("web_0").orElseThrow().tags();
            assertEquals("rg-web", web0.get("azure:resourceGroup"));
            assertFalse(web0.containsKey("Azure:ResourceGroup"), web0.toString());
        }
    }

    @Test
    void stoppingDoesNotWaitForARefreshUnderWay() throws Exception {
        arm.fail("web/virtualmachines", 429, 100, "4"); // throttled: Retry-After 4 s, again and again
        AzureVmssInventory inv = webInventory();
        Thread refresh = new Thread(inv::refresh);
        refresh.start();
        try {
            Poll.until(Duration.ofSeconds(10), "refresh waiting on Retry-After", () -> refresh.getState() == Thread.State.TIMED_WAITING
                    || refresh.getState() == Thread.State.WAITING);
            long t0 = System.nanoTime();
            inv.close();
            long ms = Duration.ofNanos(System.nanoTime() - t0).toMillis();
            assertTrue(ms < 2000, "close() waited " + ms + " ms for the refresh");
        } finally {
            refresh.interrupt();
            refresh.join(30_000);
        }
    }

    private AzureVmssInventory standaloneInventory() throws Exception {
        AzureSettings s = new AzureSettings(FakeArm.SUB, null, new AzureSettings.DefaultChain(),
                List.of(new AzureSettings.ScaleSetRef("rg-web", "web")), Map.of(), true, Duration.ofMinutes(1), arm.endpoints());
        return new AzureVmssInventory(clients(arm), s, audit, Clock.fixed(NOW, ZoneOffset.UTC), true);
    }

    @Test
    void refreshesOnItsOwnOnTheInterval() throws Exception {
        try (AzureVmssInventory inv = inventory(List.of(new AzureSettings.ScaleSetRef("rg-web", "web")), Map.of(),
                Duration.ofMillis(100))) {
            inv.start();
            Poll.until(Duration.ofSeconds(20), "first refresh", () -> inv.snapshot().targets().size() == 5);
            synchronized (arm) {
                web.add(12, "127.0.0.32", "running", null);
            }
            Poll.until(Duration.ofSeconds(20), "scale-out seen", () -> inv.snapshot().byName("web_12").isPresent());
        }
    }
}
