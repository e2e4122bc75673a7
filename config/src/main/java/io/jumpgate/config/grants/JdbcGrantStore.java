package io.jumpgate.config.grants;

import io.jumpgate.core.grant.Grant;
import io.jumpgate.core.grant.GrantState;
import io.jumpgate.core.grant.GrantStore;
import io.jumpgate.core.grant.GrantStoreException;
import io.jumpgate.core.policy.Cidr;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Grants in a SQL database over JDBC: an embedded H2 file (one gateway; survives restarts) or PostgreSQL (several
 * gateways share it). Same schema and statements on both. One connection, used by one caller at a time (grant
 * operations are rare; the connection path reads the in-memory index, never this), reopened after a failure.
 * Other gateways' changes are picked up by polling {@link #open()} ({@code GrantMaintenance}, every
 * {@code grants.pollInterval}).
 */
public final class JdbcGrantStore implements GrantStore {
    private static final String COLUMNS = "id, user_name, target, role_name, ports, source_cidr, not_before, expires_at, "
            + "reason, state, approved_by, decided_by, decided_at, note, created_at, version, updated_at";

    private static final String INSERT = "INSERT INTO grants (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    /** SQLSTATE of a unique or primary key violation (H2 and PostgreSQL alike). */
    private static final String UNIQUE_VIOLATION = "23505";

    private final String url;
    private final String user;
    private final String password;
    private final String description;
    private Connection connection;

    /** Connects and migrates the schema; fails with a {@link GrantStoreException} naming the database. */
    public JdbcGrantStore(String url, String user, String password) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.description = url.replaceAll("(?i)password=[^;&]*", "password=***");
        call(c -> SchemaMigrations.migrate(c));
    }

    /** The schema version the database is at. */
    public int schemaVersion() {
        return call(SchemaMigrations::current);
    }

    @Override
    public void insert(Grant g) {
        call(c -> {
            try (PreparedStatement p = c.prepareStatement(INSERT)) {
                bind(p, g);
                return p.executeUpdate();
            }
        });
    }

    /**
     * In one transaction holding the user's row of {@code grant_users} ({@code SELECT ... FOR UPDATE}, the same on H2
     * and PostgreSQL): counts the user's open grants, inserts if below {@code maxOpen}, commits. A second gateway
     * asking for the same user waits for the lock and then counts the first one's grant.
     */
    @Override
    public boolean insertWithin(Grant g, int maxOpen, Instant now) {
        return call(c -> {
            try (PreparedStatement p = c.prepareStatement("INSERT INTO grant_users (user_name) SELECT CAST(? AS VARCHAR(64)) WHERE NOT EXISTS "
                    + "(SELECT 1 FROM grant_users WHERE user_name = ?)")) {
                p.setString(1, g.user());
                p.setString(2, g.user());
                p.executeUpdate();
            } catch (SQLException e) {
                if (!UNIQUE_VIOLATION.equals(e.getSQLState())) throw e; // else another gateway added the row first
            }
            // READ COMMITTED whatever the server's default: each statement then sees what another gateway committed
            // while this one waited for the lock (a REPEATABLE READ snapshot taken before the wait would not).
            int isolation = c.getTransactionIsolation();
            c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            c.setAutoCommit(false);
            boolean inserted;
            try {
                try (PreparedStatement p = c.prepareStatement("SELECT user_name FROM grant_users WHERE user_name = ? FOR UPDATE")) {
                    p.setString(1, g.user());
                    try (ResultSet r = p.executeQuery()) {
                        if (!r.next()) throw new SQLException("no lock row for user " + g.user());
                    }
                }
                long open = 0;
                try (PreparedStatement p = c.prepareStatement("SELECT " + COLUMNS
                        + " FROM grants WHERE user_name = ? AND state IN ('PENDING', 'ACTIVE')")) {
                    p.setString(1, g.user());
                    try (ResultSet r = p.executeQuery()) {
                        while (r.next()) if (row(r).stateAt(now).open()) open++;
                    }
                }
                inserted = open < maxOpen;
                if (inserted) {
                    try (PreparedStatement p = c.prepareStatement(INSERT)) {
                        bind(p, g);
                        p.executeUpdate();
                    }
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // reporting e
                }
                drop(); // never reused half-way through a transaction
                throw e;
            }
            // Committed: the answer stands even if the connection cannot be put back (it is then reopened next time).
            try {
                c.setAutoCommit(true);
                c.setTransactionIsolation(isolation);
            } catch (SQLException e) {
                drop();
            }
            return inserted;
        });
    }

    @Override
    public boolean update(Grant g) {
        return call(c -> {
            try (PreparedStatement p = c.prepareStatement("UPDATE grants SET id = ?, user_name = ?, target = ?, role_name = ?, "
                    + "ports = ?, source_cidr = ?, not_before = ?, expires_at = ?, reason = ?, state = ?, approved_by = ?, "
                    + "decided_by = ?, decided_at = ?, note = ?, created_at = ?, version = ?, updated_at = ? "
                    + "WHERE id = ? AND version = ?")) {
                bind(p, g);
                p.setString(18, g.id());
                p.setLong(19, g.version() - 1);
                return p.executeUpdate() == 1;
            }
        });
    }

    @Override
    public Optional<Grant> find(String id) {
        return query("SELECT " + COLUMNS + " FROM grants WHERE id = ?", 1, id).stream().findFirst();
    }

    @Override
    public List<Grant> open() {
        return query("SELECT " + COLUMNS + " FROM grants WHERE state IN ('PENDING', 'ACTIVE') ORDER BY created_at", Integer.MAX_VALUE);
    }

    @Override
    public List<Grant> recent(String user, int limit) {
        return user == null
                ? query("SELECT " + COLUMNS + " FROM grants ORDER BY created_at DESC, id", limit)
                : query("SELECT " + COLUMNS + " FROM grants WHERE user_name = ? ORDER BY created_at DESC, id", limit, user);
    }

    @Override
    public synchronized void close() {
        drop();
    }

    @Override
    public String toString() {
        return "JdbcGrantStore[" + description + "]";
    }

    // ---- rows

    private static void bind(PreparedStatement p, Grant g) throws SQLException {
        p.setString(1, g.id());
        p.setString(2, g.user());
        p.setString(3, g.target());
        p.setString(4, g.role());
        p.setString(5, g.sortedPorts().stream().map(String::valueOf).collect(Collectors.joining(",")));
        p.setString(6, g.source().toString());
        p.setObject(7, time(g.notBefore()));
        p.setObject(8, time(g.expiresAt()));
        p.setString(9, g.reason());
        p.setString(10, g.state().name());
        p.setString(11, g.approvedBy());
        p.setString(12, g.decidedBy());
        p.setObject(13, time(g.decidedAt()));
        p.setString(14, g.note());
        p.setObject(15, time(g.createdAt()));
        p.setLong(16, g.version());
        p.setObject(17, time(Instant.now()));
    }

    private static Grant row(ResultSet r) throws SQLException {
        Set<Integer> ports = Arrays.stream(r.getString("ports").split(",")).map(Integer::valueOf).collect(Collectors.toSet());
        return new Grant(r.getString("id"), r.getString("user_name"), r.getString("target"), r.getString("role_name"), ports,
                Cidr.parse(r.getString("source_cidr")), instant(r, "not_before"), instant(r, "expires_at"),
                r.getString("reason"), GrantState.valueOf(r.getString("state")), r.getString("approved_by"),
                r.getString("decided_by"), instant(r, "decided_at"), r.getString("note"), instant(r, "created_at"),
                r.getLong("version"));
    }

    private static OffsetDateTime time(Instant i) {
        return i == null ? null : OffsetDateTime.ofInstant(i, ZoneOffset.UTC);
    }

    private static Instant instant(ResultSet r, String column) throws SQLException {
        OffsetDateTime t = r.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    // ---- connection

    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private List<Grant> query(String sql, int limit, String... args) {
        return call(c -> {
            try (PreparedStatement p = c.prepareStatement(sql)) {
                for (int i = 0; i < args.length; i++) p.setString(i + 1, args[i]);
                if (limit != Integer.MAX_VALUE) p.setMaxRows(limit);
                try (ResultSet r = p.executeQuery()) {
                    List<Grant> out = new ArrayList<>();
                    while (r.next()) out.add(row(r));
                    return out;
                }
            }
        });
    }

    private synchronized <T> T call(Work<T> work) {
        try {
            if (connection == null) connection = DriverManager.getConnection(url, user, password);
            return work.run(connection);
        } catch (SQLException e) {
            drop(); // reconnect on the next call
            throw new GrantStoreException("grant database " + description + ": " + e.getMessage(), e);
        }
    }

    private void drop() {
        if (connection == null) return;
        try {
            connection.close();
        } catch (SQLException ignored) {
            // already broken
        } finally {
            connection = null;
        }
    }
}
