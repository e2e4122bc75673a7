package io.jumpgate.config.inventory;

import io.jumpgate.config.JumpgateConfig;
import io.jumpgate.config.azure.AzureClients;
import io.jumpgate.config.azure.AzureVmssInventory;
import io.jumpgate.core.audit.AuditSink;
import io.jumpgate.core.target.Inventory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Builds the gateway's inventory from the configuration: static targets, Azure scale sets, or both. */
public final class Inventories {
    private Inventories() {}

    /**
     * @param inventory what the gateway asks (static, Azure, or both combined); close it at shutdown
     * @param azure     the Azure part, for NIC ids ({@link AzureVmssInventory#networkInterfaceId}), if configured
     * @param clients   the Azure clients it uses, to share with {@code NsgJustInTime}, if configured
     */
    public record Built(Inventory inventory, Optional<AzureVmssInventory> azure, Optional<AzureClients> clients) {}

    /**
     * The inventory for {@code config}, with its background refresh started. Azure discovery starts stale and
     * empty and fills in on its first refresh (the gateway does not wait for Azure to start).
     */
    public static Built open(JumpgateConfig config, AuditSink audit, Clock clock) {
        return open(config, audit, clock, null);
    }

    /** As {@link #open(JumpgateConfig, AuditSink, Clock)} with given Azure clients (null: made from the config). */
    public static Built open(JumpgateConfig config, AuditSink audit, Clock clock, AzureClients given) {
        List<Inventory> parts = new ArrayList<>();
        if (!config.inventory().staticTargets().isEmpty() || config.inventory().azure() == null) {
            parts.add(new StaticInventory(config.inventory().staticTargets(), clock.instant()));
        }
        AzureVmssInventory azure = null;
        AzureClients clients = null;
        if (config.inventory().azure() != null) {
            clients = given != null ? given : AzureClients.from(config.inventory().azure());
            azure = new AzureVmssInventory(clients, config.inventory().azure(), audit, clock,
                    config.limits().allowLoopbackTargets());
            azure.start();
            parts.add(azure);
        }
        Inventory all = parts.size() == 1 ? parts.get(0) : new CompositeInventory(parts);
        return new Built(all, Optional.ofNullable(azure), Optional.ofNullable(clients));
    }
}
