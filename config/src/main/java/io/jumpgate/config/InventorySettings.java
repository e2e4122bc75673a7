package io.jumpgate.config;

import io.jumpgate.config.azure.AzureSettings;
import io.jumpgate.core.target.Target;

import java.util.List;

/**
 * @param staticTargets targets listed in the config file
 * @param azure         Azure VM Scale Set discovery ({@code inventory.azure}), or null
 */
public record InventorySettings(List<Target> staticTargets, AzureSettings azure) {
    public InventorySettings {
        staticTargets = List.copyOf(staticTargets);
    }

    public InventorySettings(List<Target> staticTargets) {
        this(staticTargets, null);
    }
}
