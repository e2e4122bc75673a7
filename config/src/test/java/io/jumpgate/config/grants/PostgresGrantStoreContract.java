package io.jumpgate.config.grants;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** The store contract on PostgreSQL: each test runs in a fresh schema, dropped afterwards. */
abstract class PostgresGrantStoreContract extends GrantStoreContract {
    private PostgresSupport pg;

    /** The server to test against, with its schema created (or skip/fail the test when it cannot be). */
    abstract PostgresSupport createSchema();

    @BeforeEach
    void openSchema() {
        pg = createSchema();
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
