package io.jumpgate.config.grants;

import io.jumpgate.core.grant.GrantStoreException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Versioned schema changes, applied in order at open, each in one transaction with its row in
 * {@code schema_version}. Idempotent on restart; several gateways starting at once on one PostgreSQL retry
 * until one of them has applied each step. A database newer than this build is refused.
 */
final class SchemaMigrations {
    record Migration(int version, String description, List<String> statements) {}

    static final List<Migration> ALL = List.of(
            new Migration(1, "create grants", List.of("""
                    CREATE TABLE grants (
                      id VARCHAR(32) PRIMARY KEY,
                      user_name VARCHAR(64) NOT NULL,
                      target VARCHAR(128) NOT NULL,
                      role_name VARCHAR(128) NOT NULL,
                      ports VARCHAR(400) NOT NULL,
                      source_cidr VARCHAR(64) NOT NULL,
                      not_before TIMESTAMP WITH TIME ZONE NOT NULL,
                      expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
                      reason VARCHAR(2000),
                      state VARCHAR(16) NOT NULL,
                      approved_by VARCHAR(200),
                      decided_by VARCHAR(200),
                      decided_at TIMESTAMP WITH TIME ZONE,
                      note VARCHAR(2000),
                      created_at TIMESTAMP WITH TIME ZONE NOT NULL,
                      version BIGINT NOT NULL,
                      updated_at TIMESTAMP WITH TIME ZONE NOT NULL
                    )""",
                    "CREATE INDEX grants_state ON grants (state)",
                    "CREATE INDEX grants_user_created ON grants (user_name, created_at)")),
            // One row per user who has asked for a grant, locked (SELECT ... FOR UPDATE) while a request counts
            // that user's open grants and inserts: several gateways on one database then cannot all pass the count.
            new Migration(2, "per-user lock rows for the open-grant limit", List.of("""
                    CREATE TABLE grant_users (
                      user_name VARCHAR(64) PRIMARY KEY
                    )""")));

    static final int LATEST = ALL.get(ALL.size() - 1).version();
    private static final int ATTEMPTS = 5;

    private SchemaMigrations() {}

    /** Brings the schema up to {@link #LATEST}; returns the version found before. */
    static int migrate(Connection c) throws SQLException {
        SQLException last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            try {
                return migrateOnce(c);
            } catch (SQLException e) {
                // Another gateway migrating at the same moment: its commit wins, ours rolls back; look again.
                last = e;
            }
        }
        throw last;
    }

    private static int migrateOnce(Connection c) throws SQLException {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS schema_version (version INT PRIMARY KEY, "
                    + "description VARCHAR(200) NOT NULL, applied_at TIMESTAMP WITH TIME ZONE NOT NULL)");
            c.commit();
            int found = current(c);
            if (found > LATEST) {
                throw new GrantStoreException("the grant database has schema version " + found
                        + ", newer than this Jumpgate understands (" + LATEST + "); upgrade Jumpgate", null);
            }
            for (Migration m : ALL) {
                if (m.version() <= found) continue;
                for (String sql : m.statements()) s.execute(sql);
                try (PreparedStatement p = c.prepareStatement(
                        "INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)")) {
                    p.setInt(1, m.version());
                    p.setString(2, m.description());
                    p.setObject(3, OffsetDateTime.ofInstant(Instant.now(), ZoneOffset.UTC));
                    p.executeUpdate();
                }
                c.commit();
            }
            return found;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    static int current(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT MAX(version) FROM schema_version")) {
            r.next();
            return r.getInt(1);
        }
    }
}
