package io.jumpgate.config.grants;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/** A throw-away schema per test on a PostgreSQL server; the store's URL selects it with {@code currentSchema}. */
final class PostgresSupport {
    final String baseUrl;
    final String user;
    final String password;
    final String schema = "jg_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private boolean created;

    PostgresSupport(String baseUrl, String user, String password) {
        this.baseUrl = baseUrl;
        this.user = user;
        this.password = password;
    }

    String url() {
        return baseUrl + (baseUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    /** Creates the schema; false when the server cannot be reached. */
    boolean create() {
        try (Connection c = DriverManager.getConnection(baseUrl, user, password); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
            return created = true;
        } catch (SQLException e) {
            return false;
        }
    }

    void drop() throws SQLException {
        if (!created) return;
        try (Connection c = DriverManager.getConnection(baseUrl, user, password); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }
}
