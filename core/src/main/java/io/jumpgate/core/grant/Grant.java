package io.jumpgate.core.grant;

import io.jumpgate.core.policy.Cidr;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A just-in-time grant: {@code user} may reach {@code ports} of {@code target} from {@code source} between
 * {@code notBefore} (inclusive) and {@code expiresAt} (exclusive), once ACTIVE.
 *
 * @param id         short random id users type ({@code jit approve 7f3k9q2m})
 * @param user       who asked and who may use it
 * @param target     target name as the inventory knows it
 * @param role       the role whose just-in-time rules allowed the request (its approvers decide)
 * @param ports      target ports
 * @param source     source block connections must come from (the requester's address /32 unless {@code --from})
 * @param notBefore  start of validity (moved to the approval time when approved later)
 * @param expiresAt  end of validity; a pending grant not approved by then lapses
 * @param reason     why the user asked, or null
 * @param state      stored state; see {@link #stateAt} for the state the clock implies
 * @param approvedBy who approved, or null
 * @param decidedBy  who made the last decision (approve, deny, revoke, {@code system:expiry}), or null
 * @param decidedAt  when, or null
 * @param note       the denial or revocation reason, or null
 * @param createdAt  when requested
 * @param version    1 when created, +1 per change (optimistic concurrency between gateways)
 */
public record Grant(String id, String user, String target, String role, Set<Integer> ports, Cidr source,
                    Instant notBefore, Instant expiresAt, String reason, GrantState state, String approvedBy,
                    String decidedBy, Instant decidedAt, String note, Instant createdAt, long version) {
    public Grant {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(notBefore, "notBefore");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createdAt, "createdAt");
        ports = Set.copyOf(ports == null ? Set.of() : ports);
        if (ports.isEmpty()) throw new IllegalArgumentException("a grant needs at least one port");
        if (!expiresAt.isAfter(notBefore)) throw new IllegalArgumentException("expiresAt must be after notBefore");
        if (version < 1) throw new IllegalArgumentException("version must be at least 1");
    }

    /** The state the clock implies: a pending or active grant at or past {@code expiresAt} is expired. */
    public GrantState stateAt(Instant now) {
        return state.open() && !now.isBefore(expiresAt) ? GrantState.EXPIRED : state;
    }

    /** True when this grant lets {@code user} (null: any user) reach {@code target:port} from {@code from} at {@code now}. */
    public boolean admits(String user, String target, int port, InetAddress from, Instant now) {
        return state == GrantState.ACTIVE && !now.isBefore(notBefore) && now.isBefore(expiresAt)
                && (user == null || this.user.equals(user)) && this.target.equalsIgnoreCase(target)
                && ports.contains(port) && source.contains(from);
    }

    public Duration duration() {
        return Duration.between(notBefore, expiresAt);
    }

    /** Ports in ascending order, for display. */
    public Set<Integer> sortedPorts() {
        return new TreeSet<>(ports);
    }

    /** The next version of this grant with a new state and decision. */
    Grant decided(GrantState newState, String by, Instant at, String approver, String why, Instant from, Instant until) {
        return new Grant(id, user, target, role, ports, source, from, until, reason, newState,
                approver, by, at, why, createdAt, version + 1);
    }
}
