package io.jumpgate.config;

import io.jumpgate.core.target.Target;

import java.util.List;

/**
 * @param staticTargets targets listed in the config file
 */
public record InventorySettings(List<Target> staticTargets) {
    public InventorySettings {
        staticTargets = List.copyOf(staticTargets);
    }
}
