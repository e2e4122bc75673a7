package io.jumpgate.config.grants;

import io.jumpgate.config.GrantStoreSettings;
import io.jumpgate.core.audit.MemoryAuditSink;
import io.jumpgate.core.grant.Grant;
import io.jumpgate.core.grant.GrantRequest;
import io.jumpgate.core.grant.GrantService;
import io.jumpgate.core.grant.GrantState;
import io.jumpgate.core.grant.GrantStoreException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class H2GrantStoreTest extends GrantStoreContract {
    @TempDir
    Path dir;

    @Override
    String url() {
        return GrantStores.h2Url(dir.resolve("grants"));
    }

    @Override
    String user() {
        return "sa";
    }

    @Override
    String password() {
        return "";
    }

    @Test
    void factoryOpensTheConfiguredFileAndItSurvivesReopening() {
        var settings = new GrantStoreSettings(GrantStoreSettings.Kind.H2, dir.resolve("data/grants"), null, null, null,
                Duration.ofSeconds(2));
        Grant g;
        try (JdbcGrantStore s = GrantStores.open(settings)) {
            g = service(s, new MemoryAuditSink()).request(new GrantRequest(DAVE, "web_0", Set.of(22), Duration.ofMinutes(5), null, null, HOME));
        }
        assertTrue(Files.exists(dir.resolve("data/grants.mv.db")));
        try (JdbcGrantStore s = GrantStores.open(settings)) {
            assertEquals(g, s.find(g.id()).orElseThrow());
            assertTrue(new GrantService(s, java.util.Map.of("dev", DEV), () -> null, new MemoryAuditSink(),
                    java.time.Clock.systemUTC()).lookup().find("dave", WEB, 22, HOME).isPresent());
        }
    }

    @Test
    void unreadableLocationFailsWithTheDatabaseNamed() {
        Path blocker = dir.resolve("file");
        assertDoesNotThrow(() -> Files.writeString(blocker, "x"));
        var e = assertThrows(io.jumpgate.core.grant.GrantStoreException.class,
                () -> GrantStores.open(new GrantStoreSettings(GrantStoreSettings.Kind.H2, blocker.resolve("grants"), null, null, null, Duration.ofSeconds(2))));
        assertTrue(e.getMessage().contains(blocker.toString()), e.getMessage());
    }

    /**
     * A call waiting for a lock gives up after the store's timeout, though the URL asks H2 to wait a minute: a store
     * that hangs would otherwise hold GrantService's monitor (and so every request and decision) that long.
     */
    @Test
    void aCallWaitingForALockGivesUpAfterTheStoresTimeout() throws Exception {
        String url = url() + ";LOCK_TIMEOUT=60000";
        try (JdbcGrantStore s = new JdbcGrantStore(url, "sa", "", Duration.ofSeconds(1));
             java.sql.Connection holder = java.sql.DriverManager.getConnection(url, "sa", "")) {
            Instant t = Instant.parse("2026-11-21T10:00:00Z");
            Grant g = sample("locked", "dave", GrantState.ACTIVE, t);
            s.insert(g);
            holder.setAutoCommit(false);
            try (var p = holder.prepareStatement("SELECT id FROM grants WHERE id = 'locked' FOR UPDATE")) {
                p.executeQuery().close();
            }
            Grant revoked = new Grant(g.id(), g.user(), g.target(), g.role(), g.ports(), g.source(), g.notBefore(),
                    g.expiresAt(), g.reason(), GrantState.REVOKED, null, "carol", t, null, g.createdAt(), 2);
            long start = System.nanoTime();
            assertThrows(GrantStoreException.class, () -> s.update(revoked));
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(20).toNanos(), "bounded by the store's timeout, not the URL's minute");
            holder.rollback();
            assertTrue(s.update(revoked), "the store reconnects and works once the lock is gone");
        }
    }

    @Test
    void onPostgresqlTheConnectionBoundsConnectLockStatementAndSocketWaits() {
        var pg = JdbcGrantStore.connectionProperties("jdbc:postgresql://db/jumpgate", "jg", "pw", Duration.ofSeconds(30));
        assertEquals("30", pg.getProperty("connectTimeout"));
        assertEquals("40", pg.getProperty("socketTimeout"), "after the server's own limits");
        assertEquals("-c lock_timeout=30000 -c statement_timeout=30000", pg.getProperty("options"));
        assertEquals("jg", pg.getProperty("user"));
        var h2 = JdbcGrantStore.connectionProperties(url(), "sa", "", Duration.ofSeconds(30));
        assertNull(h2.getProperty("options"), "H2 gets LOCK_TIMEOUT once connected");
    }
}
