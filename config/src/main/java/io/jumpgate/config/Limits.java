package io.jumpgate.config;

import java.time.Duration;

/**
 * @param loginGraceTime       time allowed to authenticate
 * @param maxAuthAttempts      authentication attempts per connection
 * @param idleTimeout          an SSH connection with no traffic this long is closed
 * @param allowLoopbackTargets allow 127.x.x.x target addresses (demos and tests; never 127.0.0.1)
 * @param terminateOnExpiry    close established connections when the grant they used expires or is revoked
 */
public record Limits(Duration loginGraceTime, int maxAuthAttempts, Duration idleTimeout, boolean allowLoopbackTargets,
                     boolean terminateOnExpiry) {}
