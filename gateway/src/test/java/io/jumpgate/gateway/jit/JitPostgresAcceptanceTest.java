package io.jumpgate.gateway.jit;

import com.fasterxml.jackson.databind.JsonNode;
import io.jumpgate.gateway.testing.GatewayFixture;
import io.jumpgate.gateway.testing.OpenSshClient;
import io.jumpgate.gateway.testing.SshdTarget;
import io.jumpgate.testkit.Peers;
import io.jumpgate.testkit.Poll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static io.jumpgate.gateway.jit.JitSshAcceptanceTest.assertJumps;
import static io.jumpgate.gateway.jit.JitSshAcceptanceTest.assertRefusedForWantOfGrant;
import static io.jumpgate.gateway.jit.JitSshAcceptanceTest.grant;
import static io.jumpgate.gateway.jit.JitSshAcceptanceTest.request;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Two gateways share grants through the real PostgreSQL that {@code .ci/run} starts (role {@code jumpgate},
 * database {@code jumpgate_test}; override with JUMPGATE_TEST_PG_URL, _USER, _PASSWORD), each in a throw-away
 * schema: what one gateway grants or revokes reaches the other within its 200 ms poll interval.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JitPostgresAcceptanceTest {
    static final String URL = env("JUMPGATE_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/jumpgate_test");
    static final String USER = env("JUMPGATE_TEST_PG_USER", "jumpgate");
    static final String PASSWORD = env("JUMPGATE_TEST_PG_PASSWORD", "jumpgate");

    final String schema = "jg_e2e_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    boolean schemaCreated;
    SshdTarget target;
    OpenSshClient client;
    GatewayFixture gw1;
    GatewayFixture gw2;

    static String env(String name, String dflt) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? dflt : v;
    }

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        SshdTarget.requirePeers();
        Peers.require(createSchema(), "PostgreSQL at " + URL + " (role " + USER + ", database jumpgate_test)");
        client = new OpenSshClient(dir.resolve("client"));
        Path alice = client.newKey("alice");
        Path targetKey = client.newKey("jgtest");
        target = SshdTarget.start(dir.resolve("target"), List.of(OpenSshClient.publicLine(targetKey)));
        client.knownHost("web_0", target.port(), target.hostKeyLine())
                .host("web_0", "User " + target.loginUser(), "Port " + target.port(), "IdentityFile " + targetKey);
        String yaml = """
                ssh:
                  listen: 127.0.0.1:0
                limits:
                  allowLoopbackTargets: true
                  terminateOnExpiry: true
                grants:
                  store: postgresql
                  jdbcUrl: "%s"
                  username: %s
                  password: %s
                  pollInterval: 200ms
                inventory:
                  static:
                    - {name: web_0, address: %s}
                roles:
                  - {name: ops, targets: [web_*], ports: [%d], jit: {required: true, maxDuration: 1h}}
                users:
                  - {name: alice, roles: [ops], authorizedKeys: ["%s"]}
                """.formatted(URL + (URL.contains("?") ? "&" : "?") + "currentSchema=" + schema, USER, PASSWORD,
                target.host(), target.port(), OpenSshClient.publicLine(alice));
        gw1 = GatewayFixture.start(dir.resolve("gw1"), yaml);
        gw2 = GatewayFixture.start(dir.resolve("gw2"), yaml);
        for (var e : List.of(java.util.Map.entry("gw1", gw1), java.util.Map.entry("gw2", gw2))) {
            client.knownHost("127.0.0.1", e.getValue().port(), e.getValue().hostKeyLine())
                    .host(e.getKey(), "HostName 127.0.0.1", "Port " + e.getValue().port(), "User alice", "IdentityFile " + alice);
        }
    }

    private boolean createSchema() {
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
            return schemaCreated = true;
        } catch (SQLException e) {
            return false;
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (gw1 != null) gw1.close();
        if (gw2 != null) gw2.close();
        if (target != null) target.close();
        if (schemaCreated) {
            try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD); Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    @Test
    void aGrantFromOneGatewayAdmitsOnTheOtherAndARevocationOnTheOtherCutsAndRefusesOnTheFirst() throws Exception {
        assertRefusedForWantOfGrant(client, gw2, "gw2", "alice");

        String id = request(client, "gw1", "web_0", "--port", String.valueOf(target.port()), "--for", "10m",
                "--reason", "INC-3").path("id").asText();
        Poll.until(Duration.ofSeconds(5), "gw2 learning of grant " + id + " from PostgreSQL",
                () -> gw2.gateway().grants().lookup().get(id).isPresent());
        assertJumps(client, "gw2");
        gw2.awaitAudit("forward.allowed", grant(id));

        try (LiveSsh live = LiveSsh.start(client, "-J", "gw1", "web_0", "cat")) {
            live.echo("before-revocation");
            client.run("ssh", "gw2", "jit", "revoke", id, "--reason", "done").requireSuccess("jit revoke on gw2");
            live.awaitExit(Duration.ofSeconds(10));
        }
        JsonNode cut = gw1.awaitAudit("connection.terminated", grant(id));
        assertEquals("grant_ended", cut.path("code").asText());
        assertRefusedForWantOfGrant(client, gw1, "gw1", "alice");
        gw2.awaitAudit("grant.revoked", grant(id));
    }
}
