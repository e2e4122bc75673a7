package io.jumpgate.gateway.jit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jumpgate.gateway.cli.Cli;
import io.jumpgate.gateway.testing.GatewayFixture;
import io.jumpgate.gateway.testing.OpenSshClient;
import io.jumpgate.gateway.testing.ProcessResult;
import io.jumpgate.gateway.testing.SshdTarget;
import io.jumpgate.testkit.Poll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Acceptance of "Just-in-time access" over SSH, end to end: the real OpenSSH client asks for grants with
 * {@code ssh gw jit …} and jumps with {@code ssh -J} to a real sshd; the gateway runs in-process with its
 * embedded H2 grant store and a 200 ms maintenance interval. One sshd target for the class; each test has its
 * own user (grants belong to users), and tests that need another gateway configuration start their own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JitSshAcceptanceTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> USERS = List.of("alice", "bob", "carol", "sam", "dave", "erin");

    Path dir;
    SshdTarget target;
    OpenSshClient client;
    final Map<String, Path> keys = new LinkedHashMap<>();
    GatewayFixture gw;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        dir = tmp;
        SshdTarget.requirePeers();
        client = new OpenSshClient(dir.resolve("client"));
        for (String u : USERS) keys.put(u, client.newKey(u));
        Path targetKey = client.newKey("jgtest");
        target = SshdTarget.start(dir.resolve("target"), List.of(OpenSshClient.publicLine(targetKey)));
        client.knownHost("web_0", target.port(), target.hostKeyLine())
                .host("web_0", "User " + target.loginUser(), "Port " + target.port(), "IdentityFile " + targetKey);
        gw = gateway("gw", dir.resolve("gw"), false);
    }

    @AfterAll
    void stop() throws Exception {
        if (gw != null) gw.close();
        if (target != null) target.close();
    }

    /**
     * The gateway's YAML: role {@code ops} needs a grant for the target's (probed) SSH port; role {@code prod}
     * also needs a {@code secops} approval. alice, bob, dave, erin are in ops; carol in prod; sam in secops.
     */
    String yaml(Path dataDir, boolean terminateOnExpiry) throws Exception {
        StringBuilder users = new StringBuilder();
        Map<String, String> roles = Map.of("carol", "prod", "sam", "secops");
        for (String u : USERS) {
            users.append("  - {name: ").append(u).append(", roles: [").append(roles.getOrDefault(u, "ops"))
                    .append("], authorizedKeys: [\"").append(OpenSshClient.publicLine(keys.get(u))).append("\"]}\n");
        }
        return """
                dataDir: %s
                ssh:
                  listen: 127.0.0.1:0
                limits:
                  allowLoopbackTargets: true
                  terminateOnExpiry: %s
                grants:
                  pollInterval: 200ms
                sessions:
                  login: {default: %s}
                  port: %d
                inventory:
                  static:
                    - {name: web_0, address: %s}
                roles:
                  - {name: ops, targets: [web_*], ports: [%d], jit: {required: true, maxDuration: 1h}}
                  - name: prod
                    targets: [web_*]
                    ports: [%d]
                    jit: {required: true, maxDuration: 1h, approval: true, approvers: [secops]}
                  - {name: secops, targets: [secops_*], ports: [ssh]}
                users:
                """.formatted(dataDir, terminateOnExpiry, target.loginUser(), target.port(), target.host(), target.port(),
                target.port()) + users;
    }

    /**
     * Starts a gateway in {@code dataDir}; {@code ssh NAME-USER} then logs in to it as USER. Recorded sessions
     * ({@code ssh -t NAME-USER web_0}) work too: the gateway knows the target's host key and the target accepts the
     * gateway's identity key.
     */
    GatewayFixture gateway(String name, Path dataDir, boolean terminateOnExpiry) throws Exception {
        Files.createDirectories(dataDir);
        Files.writeString(dataDir.resolve("known_hosts"), "[web_0]:" + target.port() + " " + target.hostKeyLine() + "\n");
        GatewayFixture g = GatewayFixture.start(dataDir, yaml(dataDir, terminateOnExpiry));
        Files.writeString(target.dir().resolve("authorized_keys"),
                Files.readString(dataDir.resolve("target_id_ed25519.pub")).trim() + "\n", StandardOpenOption.APPEND);
        client.knownHost("127.0.0.1", g.port(), g.hostKeyLine());
        for (String u : USERS) {
            client.host(name + "-" + u, "HostName 127.0.0.1", "Port " + g.port(), "User " + u, "IdentityFile " + keys.get(u));
        }
        return g;
    }

    // ---- helpers shared with the other JIT acceptance tests

    /** {@code ssh ALIAS jit request … --json}: the new grant. */
    static JsonNode request(OpenSshClient client, String alias, String... args) throws Exception {
        String[] cmd = new String[args.length + 4];
        cmd[0] = alias;
        cmd[1] = "jit";
        cmd[2] = "request";
        System.arraycopy(args, 0, cmd, 3, args.length);
        cmd[cmd.length - 1] = "--json";
        ProcessResult r = client.run("ssh", cmd).requireSuccess("ssh " + String.join(" ", cmd));
        return JSON.readTree(r.out());
    }

    /** {@code ssh -J GATEWAY web_0 echo …}: one new connection to the target through the gateway. */
    static ProcessResult jump(OpenSshClient client, String gatewayAlias) throws Exception {
        return client.run("ssh", "-J", gatewayAlias, "web_0", "echo", "jumped-as-$(whoami)");
    }

    static void assertJumps(OpenSshClient client, String gatewayAlias) throws Exception {
        ProcessResult r = jump(client, gatewayAlias);
        assertEquals(0, r.exit(), r.toString());
        assertEquals("jumped-as-jgtest\n", r.out());
    }

    /** A new connection is refused, and audited as {@code forward.denied} with code {@code grant_required}. */
    static void assertRefusedForWantOfGrant(OpenSshClient client, GatewayFixture g, String gatewayAlias, String user)
            throws Exception {
        Predicate<JsonNode> mine = e -> e.path("user").asText().equals(user) && e.path("code").asText().equals("grant_required");
        long before = count(g, "forward.denied", mine);
        ProcessResult r = jump(client, gatewayAlias);
        assertEquals(255, r.exit(), r.toString());
        assertFalse(r.out().contains("jumped-as"), r.toString());
        Poll.until(Duration.ofSeconds(15), "forward.denied grant_required for " + user, () -> count(g, "forward.denied", mine) > before);
    }

    static long count(GatewayFixture g, String event, Predicate<JsonNode> p) {
        return g.audit().stream().filter(e -> e.path("event").asText().equals(event)).filter(p).count();
    }

    static Predicate<JsonNode> grant(String id) {
        return e -> e.path("fields").path("grant").asText().equals(id);
    }

    // ---- acceptance

    @Test
    void withoutAGrantTheJumpIsRefusedAndAGrantRequestedOverSshAdmits() throws Exception {
        assertRefusedForWantOfGrant(client, gw, "gw-alice", "alice");

        ProcessResult r = client.run("ssh", "gw-alice", "jit", "request", "web_0", "--port", String.valueOf(target.port()),
                "--for", "10m", "--reason", "\"INC-1\"");
        assertEquals(0, r.exit(), r.toString());
        Matcher m = Pattern.compile("Grant (\\S+) is active").matcher(r.out());
        assertTrue(m.find(), r.out());
        String id = m.group(1);
        JsonNode requested = gw.awaitAudit("grant.requested", grant(id));
        assertEquals("INC-1", requested.path("fields").path("reason").asText());
        assertEquals("127.0.0.1/32", requested.path("fields").path("from").asText());

        assertJumps(client, "gw-alice");
        JsonNode allowed = gw.awaitAudit("forward.allowed", grant(id));
        assertEquals("alice", allowed.path("user").asText());
        assertEquals("web_0", allowed.path("target").path("name").asText());
    }

    @Test
    void afterExpiryNewConnectionsAreRefusedButAnEstablishedSessionSurvivesByDefault() throws Exception {
        String id = request(client, "gw-bob", "web_0", "--port", String.valueOf(target.port()), "--for", "4s").path("id").asText();
        try (LiveSsh live = LiveSsh.start(client, "-J", "gw-bob", "web_0", "cat")) {
            live.echo("before-expiry");
            gw.awaitAudit("grant.expired", grant(id));
            assertRefusedForWantOfGrant(client, gw, "gw-bob", "bob");
            live.echo("after-expiry");
            assertTrue(live.alive());
            assertEquals(0, live.finish(), live.output());
        }
        assertEquals(0, count(gw, "connection.terminated", grant(id)));
    }

    @Test
    void withTerminateOnExpiryTheEstablishedSessionIsCutAtExpiryAndAtRevocation() throws Exception {
        try (GatewayFixture cutting = gateway("gwt", dir.resolve("gwt"), true)) {
            String shortId = request(client, "gwt-bob", "web_0", "--port", String.valueOf(target.port()), "--for", "4s")
                    .path("id").asText();
            try (LiveSsh live = LiveSsh.start(client, "-J", "gwt-bob", "web_0", "cat")) {
                live.echo("before-expiry");
                cutting.awaitAudit("grant.expired", grant(shortId));
                live.awaitExit(Duration.ofSeconds(15));
            }
            JsonNode cut = cutting.awaitAudit("connection.terminated", grant(shortId));
            assertEquals("grant_ended", cut.path("code").asText());
            assertEquals("bob", cut.path("user").asText());
            assertEquals("web_0", cut.path("target").path("name").asText());
            assertRefusedForWantOfGrant(client, cutting, "gwt-bob", "bob");

            String longId = request(client, "gwt-alice", "web_0", "--port", String.valueOf(target.port()), "--for", "10m")
                    .path("id").asText();
            try (LiveSsh live = LiveSsh.start(client, "-J", "gwt-alice", "web_0", "cat")) {
                live.echo("before-revocation");
                client.run("ssh", "gwt-alice", "jit", "revoke", longId).requireSuccess("jit revoke");
                live.awaitExit(Duration.ofSeconds(15));
            }
            cutting.awaitAudit("connection.terminated", grant(longId));
        }
    }

    @Test
    void withTerminateOnExpiryARecordedSessionAdmittedByAGrantIsCutToo() throws Exception {
        try (GatewayFixture cutting = gateway("gwc", dir.resolve("gwc"), true)) {
            String id = request(client, "gwc-dave", "web_0", "--port", String.valueOf(target.port()), "--for", "4s")
                    .path("id").asText();
            try (LiveSsh live = LiveSsh.start(client, "-tt", "gwc-dave", "web_0", "cat")) {
                live.echo("recorded-before-expiry");
                cutting.awaitAudit("grant.expired", grant(id));
                assertEquals(255, live.awaitExit(Duration.ofSeconds(15)), live.output());
                assertTrue(live.output().contains("jumpgate: grant " + id + " ended"), live.output());
            }
            JsonNode cut = cutting.awaitAudit("connection.terminated", grant(id));
            assertEquals("grant_ended", cut.path("code").asText());
            assertEquals("recorded", cut.path("fields").path("kind").asText());
            cutting.awaitAudit("session.closed", e -> e.path("code").asText().equals("ended_by_gateway")
                    && e.path("user").asText().equals("dave"));
        }
    }

    @Test
    void aPendingGrantAdmitsNothingUntilAnApproverApprovesIt() throws Exception {
        JsonNode pending = request(client, "gw-carol", "web_0", "--port", String.valueOf(target.port()), "--for", "10m",
                "--reason", "CHG-7");
        String id = pending.path("id").asText();
        assertEquals("pending", pending.path("state").asText(), pending.toString());
        assertRefusedForWantOfGrant(client, gw, "gw-carol", "carol");

        ProcessResult self = client.run("ssh", "gw-carol", "jit", "approve", id);
        assertEquals(1, self.exit(), self.toString());
        assertTrue(self.err().contains("you cannot approve your own grant " + id), self.err());
        ProcessResult other = client.run("ssh", "gw-dave", "jit", "approve", id);
        assertEquals(1, other.exit(), other.toString());
        assertTrue(other.err().contains("decided by members of [secops]"), other.err());
        ProcessResult unknown = client.run("ssh", "gw-sam", "jit", "approve", "nosuchid");
        assertEquals(1, unknown.exit(), unknown.toString());
        assertTrue(unknown.err().contains("no grant with id 'nosuchid'"), unknown.err());
        assertEquals(List.of("self_approval", "not_an_approver"), gw.audit().stream()
                .filter(e -> e.path("event").asText().equals("grant.refused")).filter(grant(id))
                .map(e -> e.path("code").asText()).toList());
        assertRefusedForWantOfGrant(client, gw, "gw-carol", "carol");

        ProcessResult approved = client.run("ssh", "gw-sam", "jit", "approve", id);
        assertEquals(0, approved.exit(), approved.toString());
        assertTrue(approved.out().contains("Approved grant " + id + " for carol."), approved.out());
        assertEquals("sam", gw.awaitAudit("grant.approved", grant(id)).path("user").asText());
        assertJumps(client, "gw-carol");
        gw.awaitAudit("forward.allowed", grant(id));
    }

    @Test
    void operatorCliListsAndRevokesAgainstTheStoreOfTheRunningGateway() throws Exception {
        Path config = Files.writeString(dir.resolve("jumpgate.yaml"), yaml(gw.dir(), false));
        String id = request(client, "gw-erin", "web_0", "--port", String.valueOf(target.port()), "--for", "10m").path("id").asText();
        assertJumps(client, "gw-erin");

        String[] list = cli("grants", "--config", config.toString(), "list", "--json");
        assertEquals("0", list[0], list[2]);
        JsonNode listed = null;
        for (JsonNode g : JSON.readTree(list[1]).path("grants")) {
            if (g.path("id").asText().equals(id)) listed = g;
        }
        assertTrue(listed != null, list[1]);
        assertEquals("erin", listed.path("user").asText());
        assertEquals("active", listed.path("state").asText());

        String[] bad = cli("grants", "--config", config.toString(), "revoke", "nosuchid");
        assertEquals("1", bad[0], bad[1] + bad[2]);
        assertTrue(bad[2].contains("no grant with id 'nosuchid'"), bad[2]);

        String[] revoke = cli("grants", "--config", config.toString(), "revoke", id, "--reason", "offboarding");
        assertEquals("0", revoke[0], revoke[2]);
        assertTrue(revoke[1].contains("Revoked grant " + id), revoke[1]);
        Poll.until(Duration.ofSeconds(10), "the gateway drops revoked grant " + id,
                () -> gw.gateway().grants().lookup().get(id).isEmpty());
        assertRefusedForWantOfGrant(client, gw, "gw-erin", "erin");
    }

    @Test
    void grantsSurviveAGatewayRestart() throws Exception {
        Path data = dir.resolve("gwr");
        String id;
        try (GatewayFixture first = gateway("gwr1", data, false)) {
            id = request(client, "gwr1-alice", "web_0", "--port", String.valueOf(target.port()), "--for", "10m")
                    .path("id").asText();
            assertJumps(client, "gwr1-alice");
        }
        try (GatewayFixture second = gateway("gwr2", data, false)) {
            assertTrue(second.gateway().grants().lookup().get(id).isPresent());
            assertJumps(client, "gwr2-alice");
            second.awaitAudit("forward.allowed", grant(id));
        }
    }

    /** Runs the {@code jumpgate} CLI in-process: exit status, stdout, stderr. */
    static String[] cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Cli.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[] {String.valueOf(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }
}
