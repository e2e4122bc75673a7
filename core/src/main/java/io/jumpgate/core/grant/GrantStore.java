package io.jumpgate.core.grant;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where grants persist. One decision: persistence ({@link MemoryGrantStore}; JDBC on H2 or PostgreSQL in config).
 * Updates are optimistic: a grant is written only over the version it was read at.
 */
public interface GrantStore extends AutoCloseable {
    void insert(Grant grant);

    /**
     * Inserts {@code grant} unless its user already has {@code maxOpen} grants open at {@code now} (pending, or
     * active and not yet expired). Atomic against every other caller of the store, other gateways sharing its
     * database included: counting first and inserting after would let simultaneous requests all pass the count.
     *
     * @return false, with nothing written, when the user is at the limit
     */
    boolean insertWithin(Grant grant, int maxOpen, Instant now);

    /**
     * Writes {@code grant} (whose version is one more than the stored one).
     *
     * @return false when the stored grant is no longer at {@code grant.version() - 1} (someone else changed it)
     */
    boolean update(Grant grant);

    Optional<Grant> find(String id);

    /** Grants stored as PENDING or ACTIVE, whatever the clock says. */
    List<Grant> open();

    /** The {@code limit} most recently created grants, newest first, of {@code user} (null: everyone's). */
    List<Grant> recent(String user, int limit);

    @Override
    default void close() {}
}
