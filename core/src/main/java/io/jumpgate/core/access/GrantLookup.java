package io.jumpgate.core.access;

import io.jumpgate.core.target.Target;

import java.net.InetAddress;
import java.util.Optional;

/**
 * Answers "is there an active just-in-time grant for this?" from memory (no I/O on the connection path).
 * The grant service implements it; {@link #NONE} admits nothing.
 */
public interface GrantLookup {
    GrantLookup NONE = (user, target, port, source) -> Optional.empty();

    /**
     * @param user   the gateway user, or null to accept any user's grant (RDP: the connection carries no user)
     * @param source the connection's source address, which must lie in the grant's source block
     */
    Optional<ActiveGrant> find(String user, Target target, int port, InetAddress source);

    /** The part of a grant the connection path needs. */
    record ActiveGrant(String id, String user) {}
}
