package io.jumpgate.config.grants;

import io.jumpgate.core.audit.MemoryAuditSink;
import io.jumpgate.core.grant.Actor;
import io.jumpgate.core.grant.Grant;
import io.jumpgate.core.grant.GrantMaintenance;
import io.jumpgate.core.grant.GrantRequest;
import io.jumpgate.core.grant.GrantService;
import io.jumpgate.core.grant.GrantState;
import io.jumpgate.core.grant.GrantStore;
import io.jumpgate.core.grant.GrantStoreException;
import io.jumpgate.core.policy.Cidr;
import io.jumpgate.core.policy.JitPolicy;
import io.jumpgate.core.policy.Ports;
import io.jumpgate.core.policy.RecordingMode;
import io.jumpgate.core.policy.Role;
import io.jumpgate.core.policy.TargetSelector;
import io.jumpgate.core.policy.User;
import io.jumpgate.core.target.InventorySnapshot;
import io.jumpgate.core.target.Target;
import io.jumpgate.core.util.IpLiterals;
import io.jumpgate.testkit.Poll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What every JDBC grant store must do, run against H2 and PostgreSQL (local server and Testcontainers).
 * Subclasses give a fresh, empty database per test ({@link #url()} with user and password).
 */
abstract class GrantStoreContract {
    static final Role DEV = new Role("dev", TargetSelector.globs("web_*"), Set.of(Ports.SSH, Ports.RDP), List.of(),
            new JitPolicy(true, Duration.ofHours(2), false, List.of(), 5, false, false), RecordingMode.OFF);
    static final User DAVE = new User("dave", List.of(), List.of("dev"));
    static final Target WEB = Target.of("web_0", IpLiterals.require("127.0.0.20"));
    static final InetAddress HOME = IpLiterals.require("10.1.2.3");

    abstract String url();

    abstract String user();

    abstract String password();

    JdbcGrantStore openStore() {
        return new JdbcGrantStore(url(), user(), password());
    }

    static GrantService service(GrantStore store, MemoryAuditSink audit) {
        return new GrantService(store, Map.of("dev", DEV), () -> InventorySnapshot.of(List.of(WEB), Instant.EPOCH),
                audit, Clock.systemUTC());
    }

    static Grant sample(String id, String user, GrantState state, Instant created) {
        return new Grant(id, user, "web_0", "dev", Set.of(22, 3389), Cidr.parse("10.9.0.0/24"), created,
                created.plus(Duration.ofHours(1)), "reason with 'quotes' and ünïcode", state, null, null, null, null, created, 1);
    }

    @Test
    void roundTripsEveryFieldAndUpdatesOptimistically() {
        try (JdbcGrantStore s = openStore()) {
            Instant t = Instant.parse("2026-11-21T10:00:00.123Z");
            Grant g = sample("g1", "dave", GrantState.PENDING, t);
            s.insert(g);
            assertEquals(g, s.find("g1").orElseThrow());
            assertTrue(s.find("nope").isEmpty());
            assertThrows(GrantStoreException.class, () -> s.insert(g), "duplicate id");

            Grant approved = new Grant("g1", "dave", "web_0", "dev", Set.of(22, 3389), g.source(), t.plusSeconds(60),
                    t.plusSeconds(3660), g.reason(), GrantState.ACTIVE, "carol", "carol", t.plusSeconds(60), "ok", t, 2);
            assertTrue(s.update(approved));
            assertEquals(approved, s.find("g1").orElseThrow());
            assertFalse(s.update(approved), "same version again: someone else's write already happened");
            Grant stale = new Grant("g1", "dave", "web_0", "dev", Set.of(22), g.source(), t, t.plusSeconds(1), null,
                    GrantState.REVOKED, null, "x", t, null, t, 2);
            assertFalse(s.update(stale));
            assertEquals(approved, s.find("g1").orElseThrow());
        }
    }

    @Test
    void openAndRecentQueries() {
        try (JdbcGrantStore s = openStore()) {
            Instant t = Instant.parse("2026-11-21T10:00:00Z");
            s.insert(sample("a", "dave", GrantState.ACTIVE, t));
            s.insert(sample("b", "dave", GrantState.PENDING, t.plusSeconds(1)));
            s.insert(sample("c", "erin", GrantState.REVOKED, t.plusSeconds(2)));
            s.insert(sample("d", "dave", GrantState.EXPIRED, t.plusSeconds(3)));
            assertEquals(List.of("a", "b"), s.open().stream().map(Grant::id).toList());
            assertEquals(List.of("d", "b", "a"), s.recent("dave", 10).stream().map(Grant::id).toList());
            assertEquals(List.of("d", "c"), s.recent(null, 2).stream().map(Grant::id).toList());
        }
    }

    @Test
    void migrationsAreVersionedAndIdempotentOnRestart() throws Exception {
        try (JdbcGrantStore s = openStore()) {
            assertEquals(2, s.schemaVersion());
            s.insert(sample("keep", "dave", GrantState.ACTIVE, Instant.parse("2026-11-21T10:00:00Z")));
        }
        try (JdbcGrantStore s = openStore()) {
            assertEquals(2, s.schemaVersion());
            assertTrue(s.find("keep").isPresent(), "reopening migrates nothing and loses nothing");
        }
        try (var c = DriverManager.getConnection(url(), user(), password()); var st = c.createStatement()) {
            // Back to what the first release made (version 1, no lock rows), grants kept.
            st.execute("DROP TABLE grant_users");
            st.execute("DELETE FROM schema_version WHERE version = 2");
        }
        try (JdbcGrantStore s = openStore()) {
            assertEquals(2, s.schemaVersion(), "a version 1 database is migrated");
            assertTrue(s.find("keep").isPresent(), "and keeps its grants");
            Instant now = Instant.parse("2026-11-21T10:30:00Z");
            assertTrue(s.insertWithin(sample("new", "dave", GrantState.ACTIVE, now), 2, now), "1 open, limit 2");
            assertFalse(s.insertWithin(sample("over", "dave", GrantState.ACTIVE, now), 2, now), "2 open, limit 2");
            assertTrue(s.find("over").isEmpty(), "nothing written over the limit");
            assertTrue(s.insertWithin(sample("later", "dave", GrantState.ACTIVE, now), 2, now.plus(Duration.ofHours(2))),
                    "expired grants no longer count, whatever their stored state");
        }
        try (var c = DriverManager.getConnection(url(), user(), password()); var st = c.createStatement();
             var r = st.executeQuery("SELECT COUNT(*) FROM schema_version")) {
            r.next();
            assertEquals(2, r.getInt(1));
            st.execute("INSERT INTO schema_version (version, description, applied_at) VALUES (99, 'future', CURRENT_TIMESTAMP)");
        }
        GrantStoreException e = assertThrows(GrantStoreException.class, this::openStore);
        assertTrue(e.getMessage().contains("schema version 99, newer than this Jumpgate understands (2)"), e.getMessage());
    }

    @Test
    void grantsSurviveARestartOfTheService() {
        Grant g;
        try (JdbcGrantStore s = openStore()) {
            g = service(s, new MemoryAuditSink()).request(new GrantRequest(DAVE, "web_0", Set.of(22), Duration.ofHours(1),
                    "restart test", null, HOME));
        }
        try (JdbcGrantStore s = openStore()) {
            GrantService fresh = service(s, new MemoryAuditSink());
            assertEquals(g.id(), fresh.lookup().find("dave", WEB, 22, HOME).orElseThrow().id());
            assertEquals(g, s.find(g.id()).orElseThrow());
        }
    }

    /** Two gateways on one database: each sees the other's grant and revocation within the poll interval. */
    @Test
    void twoGatewaysShareGrantsAndRevocationsWithinTheBoundedDelay() {
        Duration poll = Duration.ofMillis(200);
        try (JdbcGrantStore s1 = openStore(); JdbcGrantStore s2 = openStore()) {
            GrantService a = service(s1, new MemoryAuditSink());
            GrantService b = service(s2, new MemoryAuditSink());
            List<Grant> endedAtB = Collections.synchronizedList(new ArrayList<>());
            b.addListener(endedAtB::add);
            try (GrantMaintenance ma = new GrantMaintenance(a, poll).start(); GrantMaintenance mb = new GrantMaintenance(b, poll).start()) {
                Grant g = a.request(new GrantRequest(DAVE, "web_0", Set.of(22), Duration.ofHours(1), null, null, HOME));
                long t0 = System.nanoTime();
                Poll.until(Duration.ofSeconds(5), "gateway B to see the grant", () -> b.lookup().find("dave", WEB, 22, HOME).isPresent());
                long seen = (System.nanoTime() - t0) / 1_000_000;
                b.revoke(Actor.operator("root"), g.id(), "test");
                long t1 = System.nanoTime();
                Poll.until(Duration.ofSeconds(5), "gateway A to drop the revoked grant", () -> a.lookup().find("dave", WEB, 22, HOME).isEmpty());
                long dropped = (System.nanoTime() - t1) / 1_000_000;
                System.out.printf("%s: grant seen by the other gateway after %d ms, revocation after %d ms (poll %d ms)%n",
                        getClass().getSimpleName(), seen, dropped, poll.toMillis());
                assertTrue(seen < 5 * poll.toMillis() && dropped < 5 * poll.toMillis(), "bounded by a few poll intervals");
                assertEquals(List.of(GrantState.REVOKED), endedAtB.stream().map(Grant::state).toList());
            }
        }
    }
    /**
     * Two gateways on one database, one user asking both at once: the per-user limit of open grants (5 for role dev)
     * holds across them. Each gateway counting on its own and then inserting let both pass the count.
     */
    @Test
    void thePerUserGrantLimitHoldsAcrossGatewaysAskedAtOnce() throws Exception {
        assertTheGrantLimitHoldsAcrossTwoGateways();
    }

    /** 16 simultaneous requests by one user through two gateways on this database: exactly 5 (role dev's limit) pass. */
    void assertTheGrantLimitHoldsAcrossTwoGateways() throws Exception {
        try (JdbcGrantStore s1 = openStore(); JdbcGrantStore s2 = openStore()) {
            List<MemoryAuditSink> audits = List.of(new MemoryAuditSink(), new MemoryAuditSink());
            List<GrantService> gateways = List.of(service(s1, audits.get(0)), service(s2, audits.get(1)));
            int askers = 16;
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(askers);
            try {
                java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(askers);
                List<java.util.concurrent.Future<String>> outcomes = new ArrayList<>();
                for (int i = 0; i < askers; i++) {
                    GrantService gw = gateways.get(i % 2);
                    outcomes.add(pool.submit(() -> {
                        together.await(10, java.util.concurrent.TimeUnit.SECONDS);
                        try {
                            gw.request(new GrantRequest(DAVE, "web_0", Set.of(22), Duration.ofHours(1), null, null, HOME));
                            return "granted";
                        } catch (io.jumpgate.core.grant.GrantException e) {
                            return e.kind().name();
                        }
                    }));
                }
                List<String> got = new ArrayList<>();
                for (var f : outcomes) got.add(f.get(30, java.util.concurrent.TimeUnit.SECONDS));
                assertEquals(5, Collections.frequency(got, "granted"), "granted at once: " + got);
                assertEquals(askers - 5, Collections.frequency(got, "TOO_MANY_GRANTS"), String.valueOf(got));
                assertEquals(5, s1.open().stream().filter(g -> g.user().equals("dave")).count(), "stored open grants");
                long refused = audits.stream().mapToLong(a -> a.matching(e -> e.type() == io.jumpgate.core.audit.AuditType.GRANT_REFUSED
                        && "too_many_grants".equals(e.code())).size()).sum();
                assertEquals(askers - 5, refused, "every refusal is audited with its reason");
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
