package io.jumpgate.config.grants;

import io.jumpgate.testkit.Peers;

/**
 * The store contract against the local PostgreSQL that {@code .ci/run} starts (role and database
 * {@code jumpgate}/{@code jumpgate_test}); override with JUMPGATE_TEST_PG_URL, _USER, _PASSWORD.
 */
class PostgresGrantStoreTest extends PostgresGrantStoreContract {
    private static final String URL = env("JUMPGATE_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/jumpgate_test");

    private static String env(String name, String dflt) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? dflt : v;
    }

    @Override
    PostgresSupport createSchema() {
        PostgresSupport pg = new PostgresSupport(URL, env("JUMPGATE_TEST_PG_USER", "jumpgate"),
                env("JUMPGATE_TEST_PG_PASSWORD", "jumpgate"));
        Peers.require(pg.create(), "PostgreSQL at " + URL + " (role jumpgate, database jumpgate_test)");
        return pg;
    }
}
