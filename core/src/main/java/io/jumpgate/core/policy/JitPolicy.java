package io.jumpgate.core.policy;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Just-in-time rules of a role. A role issues grants on request only when its config has a {@code jit:} block
 * (even an empty one); {@link #NONE} stands for "no block" and is told apart by identity, not by its values.
 *
 * @param required        targets of the role are reachable only with an active grant (no standing access)
 * @param maxDuration     longest grant a member may request
 * @param approval        grants start pending and need an approver
 * @param approverRoles   roles whose members may approve (never the requester)
 * @param maxActiveGrants most pending+active grants per user
 * @param reasonRequired  a request must carry a reason
 * @param allowFrom       members may name a source block with {@code --from} instead of their connection's address
 */
public record JitPolicy(boolean required, Duration maxDuration, boolean approval, List<String> approverRoles,
                        int maxActiveGrants, boolean reasonRequired, boolean allowFrom) {
    /**
     * No {@code jit:} block: the role gives standing access only and issues no grants on request. Compare with
     * {@code ==}: a block written with every default ({@code jit: {}}) has equal values but is a block.
     */
    public static final JitPolicy NONE = new JitPolicy(false, Duration.ofHours(8), false, List.of(), 5, false, false);

    public JitPolicy {
        Objects.requireNonNull(maxDuration, "maxDuration");
        if (maxDuration.isNegative() || maxDuration.isZero()) throw new IllegalArgumentException("maxDuration must be positive");
        approverRoles = List.copyOf(approverRoles == null ? List.of() : approverRoles);
        if (maxActiveGrants < 1) throw new IllegalArgumentException("maxActiveGrants must be at least 1");
    }
}
