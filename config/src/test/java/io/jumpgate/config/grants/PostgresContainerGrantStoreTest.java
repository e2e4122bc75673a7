package io.jumpgate.config.grants;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.postgresql.PostgreSQLContainer;

/** The same store contract against a throw-away PostgreSQL container; skipped where there is no Docker. */
@Testcontainers(disabledWithoutDocker = true)
class PostgresContainerGrantStoreTest extends GrantStoreContract {
    @Container
    static final PostgreSQLContainer PG = new PostgreSQLContainer("postgres:15-alpine");

    private PostgresSupport pg;

    @BeforeEach
    void createSchema() {
        pg = new PostgresSupport(PG.getJdbcUrl(), PG.getUsername(), PG.getPassword());
        if (!pg.create()) throw new AssertionError("container PostgreSQL unreachable at " + PG.getJdbcUrl());
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
