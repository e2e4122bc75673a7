package io.jumpgate.core.access;

import io.jumpgate.core.target.Target;

import java.net.InetAddress;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Answers "is there an active just-in-time grant for this?" from memory (no I/O on the connection path).
 * The grant service implements it; {@link #NONE} admits nothing.
 */
public interface GrantLookup {
    GrantLookup NONE = (user, target, port, source, justified) -> Optional.empty();

    /**
     * The first grant that admits the connection and that {@code justified} accepts.
     *
     * @param user      the gateway user, or null to accept any user's grant (RDP: the connection carries no user)
     * @param source    the connection's source address, which must lie in the grant's source block
     * @param justified whether the configuration still supports a grant (its role and user); a grant it rejects is
     *                  passed over, so that a stale grant never hides one that still holds
     */
    Optional<ActiveGrant> find(String user, Target target, int port, InetAddress source, Predicate<ActiveGrant> justified);

    /** Any grant that admits the connection, whatever the configuration says now (tests and diagnostics). */
    default Optional<ActiveGrant> find(String user, Target target, int port, InetAddress source) {
        return find(user, target, port, source, g -> true);
    }

    /** The part of a grant the connection path needs. */
    record ActiveGrant(String id, String user, String role) {}
}
