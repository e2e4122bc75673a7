package io.jumpgate.config.inventory;

import io.jumpgate.core.target.Inventory;
import io.jumpgate.core.target.InventorySnapshot;
import io.jumpgate.core.target.PowerState;
import io.jumpgate.core.target.Target;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompositeInventoryTest {
    private static final Instant T = Instant.parse("2026-11-21T12:00:00Z");

    private static Target target(String name, String alias, String ip, String source) throws Exception {
        return new Target(name, alias == null ? List.of() : List.of(alias), InetAddress.getByName(ip), Map.of(), name,
                PowerState.RUNNING, source);
    }

    @Test
    void earlierInventoriesWinNameClashesAndStalenessPropagates() throws Exception {
        StaticInventory fixed = new StaticInventory(List.of(target("db_0", "web000001", "127.0.0.9", "static")), T);
        AtomicReference<InventorySnapshot> azure = new AtomicReference<>(InventorySnapshot.of(List.of(
                target("db_0", null, "127.0.0.50", "azure:rg/db"),
                target("web_1", "web000001", "127.0.0.21", "azure:rg/web")), T.plusSeconds(30)));
        Inventory dynamic = azure::get;
        try (CompositeInventory all = new CompositeInventory(List.of(fixed, dynamic))) {
            InventorySnapshot s = all.snapshot();
            assertEquals(List.of("db_0", "web_1"), s.targets().stream().map(Target::name).toList());
            assertEquals("static", s.byName("db_0").orElseThrow().source());
            assertTrue(s.byName("web_1").orElseThrow().aliases().isEmpty(), "alias taken by the static target");
            assertEquals(T, s.fetchedAt());
            assertSame(s, all.snapshot(), "unchanged parts: the merge is reused");

            azure.set(azure.get().stale("HTTP 403 AuthorizationFailed"));
            InventorySnapshot stale = all.snapshot();
            assertTrue(stale.isStale());
            assertEquals("HTTP 403 AuthorizationFailed", stale.lastError());
            assertEquals(2, stale.targets().size());
        }
    }
}
