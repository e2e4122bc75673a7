package io.jumpgate.config.grants;

import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.postgresql.PostgreSQLContainer;

/** The same store contract against a throw-away PostgreSQL container; skipped where there is no Docker. */
@Testcontainers(disabledWithoutDocker = true)
class PostgresContainerGrantStoreTest extends PostgresGrantStoreContract {
    @Container
    static final PostgreSQLContainer PG = new PostgreSQLContainer("postgres:15-alpine");

    @Override
    PostgresSupport createSchema() {
        PostgresSupport pg = new PostgresSupport(PG.getJdbcUrl(), PG.getUsername(), PG.getPassword());
        if (!pg.create()) throw new AssertionError("container PostgreSQL unreachable at " + PG.getJdbcUrl());
        return pg;
    }
}
