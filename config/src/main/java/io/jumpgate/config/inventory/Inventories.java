package io.jumpgate.config.inventory;

import io.jumpgate.config.JumpgateConfig;
import io.jumpgate.config.azure.AzureClients;
import io.jumpgate.config.azure.AzureVmssInventory;
import io.jumpgate.core.audit.AuditSink;
import io.jumpgate.core.target.Inventory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** Builds the gateway's inventory from the configuration: static targets, Azure scale sets, or both. */
public final class Inventories {
    private Inventories() {}

    /**
     * The inventory for {@code config}, with its background refresh started. Azure discovery starts stale and
     * empty and fills in on its first refresh (the gateway does not wait for Azure to start). Close it at shutdown.
     */
    public static Inventory open(JumpgateConfig config, AuditSink audit, Clock clock) {
        List<Inventory> parts = new ArrayList<>();
        if (!config.inventory().staticTargets().isEmpty() || config.inventory().azure() == null) {
            parts.add(new StaticInventory(config.inventory().staticTargets(), clock.instant()));
        }
        if (config.inventory().azure() != null) {
            AzureVmssInventory azure = new AzureVmssInventory(AzureClients.from(config.inventory().azure()),
                    config.inventory().azure(), audit, clock, config.limits().allowLoopbackTargets());
            azure.start();
            parts.add(azure);
        }
        return parts.size() == 1 ? parts.get(0) : new CompositeInventory(parts);
    }
}
