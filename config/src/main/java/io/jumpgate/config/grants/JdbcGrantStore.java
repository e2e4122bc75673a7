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
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Grants in a SQL database over JDBC: an embedded H2 file (one gateway; survives restarts) or PostgreSQL (several
 * gateways share it). Same schema and statements on both. One connection, used by one caller at a time (grant
 * operations are rare; the connection path reads the in-memory index, never this), reopened after a failure.
 * Other gateways' changes are picked up by polling {@link #open()} ({@code GrantMaintenance}, every
 * {@code grants.pollInterval}).
 *
 * <p>Every call is bounded by {@link #TIMEOUT} (a fixed 30 s, many poll intervals): a database that hangs, rather
 * than fails, would otherwise hold the caller (and {@code GrantService}'s monitor) for good. On PostgreSQL the
 * connection carries {@code connectTimeout}, {@code lock_timeout} and {@code statement_timeout} (the server's own
 * limits, whose errors say what happened) and a {@code socketTimeout} a little longer for a peer gone silent; a
 * parameter of the same name in {@code jdbcUrl} overrides them. On H2 the session's {@code LOCK_TIMEOUT} is set to it.
 * Every statement also has it as its query timeout.
 */
public final class JdbcGrantStore implements GrantStore {
    /** The longest a database call may take before it fails with a {@link GrantStoreException}. */
    public static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String COLUMNS = "id, user_name, target, role_name, ports, source_cidr, not_before, expires_at, "
            + "reason, state, approved_by, decided_by, decided_at, note, created_at, version, updated_at";

    private static final String INSERT = "INSERT INTO grants (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    /** SQLSTATE of a unique or primary key violation (H2 and PostgreSQL alike). */
    private static final String UNIQUE_VIOLATION = "23505";

    private final String url;
    private final Properties connectionProperties;
    private final Duration timeout;
    private final String description;
    private Connection connection;

    /** Connects and migrates the schema; fails with a {@link GrantStoreException} naming the database. */
    public JdbcGrantStore(String url, String user, String password) {
        this(url, user, password, TIMEOUT);
    }

    /** @param timeout the longest one database call may take (see the class comment) */
    public JdbcGrantStore(String url, String user, String password, Duration timeout) {
        if (timeout.toSeconds() < 1) throw new IllegalArgumentException("timeout must be at least 1 s");
        this.url = url;
        this.connectionProperties = connectionProperties(url, user, password, timeout);
        this.timeout = timeout;
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
            try (PreparedStatement p = prepare(c, INSERT)) {
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
            try (PreparedStatement p = prepare(c, "INSERT INTO grant_users (user_name) SELECT CAST(? AS VARCHAR(64)) WHERE NOT EXISTS "
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
                try (PreparedStatement p = prepare(c, "SELECT user_name FROM grant_users WHERE user_name = ? FOR UPDATE")) {
                    p.setString(1, g.user());
                    try (ResultSet r = p.executeQuery()) {
                        if (!r.next()) throw new SQLException("no lock row for user " + g.user());
                    }
                }
                long open = 0;
                try (PreparedStatement p = prepare(c, "SELECT " + COLUMNS
                        + " FROM grants WHERE user_name = ? AND state IN ('PENDING', 'ACTIVE')")) {
                    p.setString(1, g.user());
                    try (ResultSet r = p.executeQuery()) {
                        while (r.next()) if (row(r).stateAt(now).open()) open++;
                    }
                }
                inserted = open < maxOpen;
                if (inserted) {
                    try (PreparedStatement p = prepare(c, INSERT)) {
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
            try (PreparedStatement p = prepare(c, "UPDATE grants SET id = ?, user_name = ?, target = ?, role_name = ?, "
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
            try (PreparedStatement p = prepare(c, sql)) {
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
            if (connection == null) connection = connect();
            return work.run(connection);
        } catch (SQLException e) {
            drop(); // reconnect on the next call
            throw new GrantStoreException("grant database " + description + ": " + e.getMessage(), e);
        }
    }

    private Connection connect() throws SQLException {
        Connection c = DriverManager.getConnection(url, connectionProperties);
        if (url.startsWith("jdbc:h2:")) {
            try (Statement s = c.createStatement()) {
                s.execute("SET LOCK_TIMEOUT " + timeout.toMillis()); // H2's query timeout does not cover lock waits
            } catch (SQLException e) {
                c.close();
                throw e;
            }
        }
        return c;
    }

    private PreparedStatement prepare(Connection c, String sql) throws SQLException {
        PreparedStatement p = c.prepareStatement(sql);
        p.setQueryTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toSeconds()));
        return p;
    }

    /** User, password and, on PostgreSQL, the timeouts that bound every wait (see the class comment). */
    static Properties connectionProperties(String url, String user, String password, Duration timeout) {
        Properties p = new Properties();
        if (user != null) p.setProperty("user", user);
        if (password != null) p.setProperty("password", password);
        if (url.startsWith("jdbc:postgresql:")) {
            long seconds = timeout.toSeconds();
            p.setProperty("connectTimeout", String.valueOf(seconds));
            p.setProperty("socketTimeout", String.valueOf(seconds + 10));
            p.setProperty("options", "-c lock_timeout=" + timeout.toMillis() + " -c statement_timeout=" + timeout.toMillis());
        }
        return p;
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
