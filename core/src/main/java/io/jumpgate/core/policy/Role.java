package io.jumpgate.core.policy;

import io.jumpgate.core.target.Target;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What members of a role may reach.
 *
 * @param name      role name
 * @param targets   which targets
 * @param ports     which ports on them (empty: none)
 * @param allowFrom standing source blocks: connections from these are admitted without a grant (RDP relay)
 * @param jit       just-in-time rules
 * @param recording whether terminal sessions are recorded
 */
public record Role(String name, TargetSelector targets, Set<Integer> ports, List<Cidr> allowFrom, JitPolicy jit,
                   RecordingMode recording) {
    public Role {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(targets, "targets");
        ports = Set.copyOf(ports == null ? Set.of() : ports);
        allowFrom = List.copyOf(allowFrom == null ? List.of() : allowFrom);
        jit = jit == null ? JitPolicy.NONE : jit;
        recording = recording == null ? RecordingMode.OFF : recording;
    }

    public boolean covers(Target t) {
        return targets.matches(t);
    }

    public boolean covers(Target t, int port) {
        return targets.matches(t) && ports.contains(port);
    }
}
