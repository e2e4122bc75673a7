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
 * @param jit       just-in-time rules; {@link JitPolicy#NONE} (the default) when the config has no {@code jit:} block
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

    /**
     * Whether members may ask for grants under this role: only with a {@code jit:} block. Without one the role gives
     * standing access only; were it to issue grants, they would carry none of the approval, duration and source rules
     * a block sets, and would bypass those of the members' other roles.
     */
    public boolean issuesGrants() {
        return jit != JitPolicy.NONE;
    }

    public boolean covers(Target t) {
        return targets.matches(t);
    }

    public boolean covers(Target t, int port) {
        return targets.matches(t) && ports.contains(port);
    }
}
