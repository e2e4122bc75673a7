package io.jumpgate.gateway.jit;

import io.jumpgate.core.grant.Grant;

import java.util.Set;

/**
 * Network access a grant needs outside the gateway ({@code jit request --mode nsg}: an inbound rule on the
 * target's Azure network security group). One decision: can it be opened for this grant, and open it.
 */
public interface NetworkAccess {
    /** Refuses, before any grant is made, when {@code target} cannot get this kind of access for {@code ports}. */
    void check(String target, Set<Integer> ports);

    /** Opens access for the active grant {@code g}; returns one line for the requester. */
    String open(Grant g);

    /**
     * Removes what {@link #open} made for {@code g}, at once: the grant ended while it was being opened, and the
     * end's own clean-up may have run before there was anything to remove.
     */
    void withdraw(Grant g);

    /** Refused, with an audit-style {@code code} and a message for the requester. */
    final class Refused extends RuntimeException {
        private final String code;

        public Refused(String code, String message) {
            super(message);
            this.code = code;
        }

        public String code() {
            return code;
        }
    }
}
