package io.jumpgate.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Where just-in-time grants live.
 *
 * @param kind         {@code h2} (embedded file, default) or {@code postgresql}
 * @param h2File       H2 database file (without extension), for {@code h2}
 * @param jdbcUrl      JDBC URL, for {@code postgresql}
 * @param username     database user
 * @param password     database password (prefer {@code passwordEnv})
 * @param pollInterval how often a gateway re-reads grants changed by other gateways on the same database
 */
public record GrantStoreSettings(Kind kind, Path h2File, String jdbcUrl, String username, String password,
                                 Duration pollInterval) {
    public enum Kind { H2, POSTGRESQL }
}
