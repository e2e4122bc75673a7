package io.jumpgate.core.grant;

import io.jumpgate.core.policy.Cidr;
import io.jumpgate.core.policy.User;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * What a user asks for.
 *
 * @param target           target name or alias
 * @param from             source block asked for with {@code --from}, or null for the connection's address
 * @param connectionSource the address the request came from (the SSH connection's source)
 */
public record GrantRequest(User user, String target, Set<Integer> ports, Duration duration, String reason, Cidr from,
                           InetAddress connectionSource) {
    public GrantRequest {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(connectionSource, "connectionSource");
        ports = Set.copyOf(ports == null ? Set.of() : ports);
        reason = reason == null || reason.isBlank() ? null : reason.strip();
        if (reason != null && reason.length() > MAX_TEXT) {
            throw new IllegalArgumentException("the reason is longer than " + MAX_TEXT + " characters");
        }
    }

    /** Longest reason or note kept with a grant. */
    public static final int MAX_TEXT = 500;
}
