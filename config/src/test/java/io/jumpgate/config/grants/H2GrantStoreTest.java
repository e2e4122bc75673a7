package io.jumpgate.config.grants;

import io.jumpgate.config.GrantStoreSettings;
import io.jumpgate.core.audit.MemoryAuditSink;
import io.jumpgate.core.grant.Grant;
import io.jumpgate.core.grant.GrantRequest;
import io.jumpgate.core.grant.GrantService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
}
