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

    /**
     * A server whose default is REPEATABLE READ (set for the test role here): a gateway waiting for another's lock
     * would count with a snapshot taken before the other's grant was committed. The store asks for READ COMMITTED.
     */
    @org.junit.jupiter.api.Test
    void theGrantLimitHoldsWhenTheServerDefaultsToRepeatableRead() throws Exception {
        String role = user();
        try (var c = java.sql.DriverManager.getConnection(url(), role, password()); var st = c.createStatement()) {
            st.execute("ALTER ROLE " + role + " SET default_transaction_isolation TO 'repeatable read'");
        }
        try {
            try (var c = java.sql.DriverManager.getConnection(url(), role, password())) {
                org.junit.jupiter.api.Assertions.assertEquals(java.sql.Connection.TRANSACTION_REPEATABLE_READ,
                        c.getTransactionIsolation(), "new connections default to REPEATABLE READ");
            }
            assertTheGrantLimitHoldsAcrossTwoGateways();
        } finally {
            try (var c = java.sql.DriverManager.getConnection(url(), role, password()); var st = c.createStatement()) {
                st.execute("ALTER ROLE " + role + " RESET default_transaction_isolation");
            }
        }
    }
}
