package io.jumpgate.core.target;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A machine users may reach through the gateway.
 *
 * @param name       unique name users type ({@code web_0}); case-insensitive for lookups
 * @param aliases    other names (computer name, instance id)
 * @param address    private address; {@code null} when the inventory knows none (the target is then refused)
 * @param tags       free-form tags used by role selectors
 * @param instanceId stable id used for ordering (NAT pool ports); the name when the source has none
 * @param state      power state; non-running targets are listed but refused
 * @param source     which inventory provided it ({@code static}, {@code azure:rg/vmss})
 */
public record Target(String name, List<String> aliases, InetAddress address, Map<String, String> tags,
                     String instanceId, PowerState state, String source) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]{0,127}");

    public Target {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid target name '" + name + "' (letters, digits, _ . -; at most 128)");
        }
        aliases = List.copyOf(aliases == null ? List.of() : aliases);
        tags = Map.copyOf(tags == null ? Map.of() : tags);
        instanceId = instanceId == null ? name : instanceId;
        state = state == null ? PowerState.UNKNOWN : state;
        source = source == null ? "static" : source;
    }

    public static Target of(String name, InetAddress address) {
        return new Target(name, List.of(), address, Map.of(), name, PowerState.RUNNING, "static");
    }

    /** Whether {@code host} is this target's name or one of its aliases, ignoring case (allocates nothing: it runs per target at every lookup). */
    public boolean answersTo(String host) {
        if (name.equalsIgnoreCase(host)) {
            return true;
        }
        for (String a : aliases) {
            if (a.equalsIgnoreCase(host)) {
                return true;
            }
        }
        return false;
    }

    public String addressText() {
        return address == null ? null : address.getHostAddress();
    }
}
