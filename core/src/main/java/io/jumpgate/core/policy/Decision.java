package io.jumpgate.core.policy;

import io.jumpgate.core.target.Target;

import java.util.Objects;

/** The outcome of one access decision. */
public sealed interface Decision {
    Target target();

    boolean allowed();

    /**
     * Access allowed.
     *
     * @param role      the role that allowed it
     * @param grantId   the just-in-time grant used, or null for standing access
     * @param grantUser the user who holds that grant (for RDP, where the connection carries no user), or null
     * @param recording how terminal sessions are to be recorded
     */
    record Allow(Target target, int port, String role, String grantId, String grantUser, RecordingMode recording)
            implements Decision {
        public Allow {
            Objects.requireNonNull(target, "target");
        }

        @Override
        public boolean allowed() {
            return true;
        }
    }

    /** Access refused; {@code target} is null when the request named no known target. */
    record Deny(DenyReason reason, String detail, Target target) implements Decision {
        public Deny {
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public boolean allowed() {
            return false;
        }
    }
}
