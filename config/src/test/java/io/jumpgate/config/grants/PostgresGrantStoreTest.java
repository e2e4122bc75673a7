package io.jumpgate.config.grants;

import io.jumpgate.testkit.Peers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The store contract against the local PostgreSQL that {@code .ci/run} starts (role and database
 * {@code jumpgate}/{@code jumpgate_test}); override with JUMPGATE_TEST_PG_URL, _USER, _PASSWORD.
 */
class PostgresGrantStoreTest extends GrantStoreContract {
    private static final String URL = env("JUMPGATE_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/jumpgate_test");
    private final PostgresSupport pg = new PostgresSupport(URL, env("JUMPGATE_TEST_PG_USER", "jumpgate"),
            env("JUMPGATE_TEST_PG_PASSWORD", "jumpgate"));

    private static String env(String name, String dflt) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? dflt : v;
    }

    @BeforeEach
    void createSchema() {
        Peers.require(pg.create(), "PostgreSQL at " + URL + " (role jumpgate, database jumpgate_test)");
    }

    @AfterEach
    void dropSchema() throws Exception {
        pg.drop();
    }

    @Override
    String url() {
        return pg.url();
    }

    @Override
    String user() {
        return pg.user;
    }

    @Override
    String password() {
        return pg.password;
    }
}
