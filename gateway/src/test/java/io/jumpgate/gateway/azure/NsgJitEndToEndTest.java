package io.jumpgate.gateway.azure;

import com.fasterxml.jackson.databind.JsonNode;
import io.jumpgate.config.azure.FakeAzure;
import io.jumpgate.core.grant.Grant;
import io.jumpgate.core.grant.GrantService;
import io.jumpgate.core.grant.GrantState;
import io.jumpgate.gateway.testing.GatewayFixture;
import io.jumpgate.gateway.testing.OpenSshClient;
import io.jumpgate.gateway.testing.ProcessResult;
import io.jumpgate.testkit.FreePorts;
import io.jumpgate.testkit.MutableClock;
import io.jumpgate.testkit.Poll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jit request ... --mode nsg} end to end: the real OpenSSH client runs the command on the gateway, which
 * adds an inbound allow rule to the target's NSG on the Resource Manager stand-in; revoking or expiry removes
 * it, leaving the NSG as it was. Refusals (not an Azure target, a general allow rule, several ports) leave no
 * rule and no usable grant.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NsgJitEndToEndTest {
    static final Pattern GRANT_ID = Pattern.compile("Grant (\\S+) is active");

    FakeAzure azure;
    GatewayFixture gw;
    OpenSshClient client;
    MutableClock clock = new MutableClock(Instant.now());
    String web0Host;
    String webNsg;
    String apiNsg;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        io.jumpgate.testkit.Peers.requireExecutable("OpenSSH client", "ssh");
        client = new OpenSshClient(dir.resolve("client"));
        Path aliceKey = client.newKey("alice");
        web0Host = FreePorts.nextLoopbackHost();
        azure = FakeAzure.start();
        azure.addInstance("rg-web", "web", 0, web0Host, "running");
        webNsg = azure.nicNsg("rg-web", "web", "nsg-web");
        azure.putRule(webNsg, "allow-office-ssh", FakeAzure.inboundRule("Allow", "198.51.100.0/24", "22", 100));
        azure.putRule(webNsg, "deny-ssh", FakeAzure.inboundRule("Deny", "*", "22", 300));
        azure.addInstance("rg-api", "api", 0, FreePorts.nextLoopbackHost(), "running");
        apiNsg = azure.nicNsg("rg-api", "api", "nsg-api");
        azure.putRule(apiNsg, "legacy-ssh-open", FakeAzure.inboundRule("Allow", "*", "22", 200));

        gw = GatewayFixture.startWith(dir.resolve("gw"), """
                ssh:
                  listen: 127.0.0.1:0
                limits:
                  allowLoopbackTargets: true
                grants:
                  pollInterval: 200ms
                inventory:
                  static:
                    - {name: legacy_0, address: %s}
                  azure:
                    subscriptionId: %s
                    credential: defaultAzureCredential
                    scaleSets: [{resourceGroup: rg-web, name: web}, {resourceGroup: rg-api, name: api}]
                    refreshInterval: 5s
                    endpoint: {resourceManager: "%s/"}
                    nsgJit: {enabled: true, gatewayId: gw-test, sweepInterval: 200ms}
                roles:
                  - {name: ops, targets: ["web_*", "api_*", "legacy_*"], ports: [ssh, rdp], jit: {required: true, maxDuration: 1h}}
                users:
                  - {name: alice, roles: [ops], authorizedKeys: ["%s"]}
                """.formatted(FreePorts.nextLoopbackHost(), FakeAzure.SUBSCRIPTION, azure.baseUrl(),
                OpenSshClient.publicLine(aliceKey)), b -> {
            try {
                b.clock(clock).azureClients(azure.clients());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        client.knownHost("127.0.0.1", gw.port(), gw.hostKeyLine())
                .host("gw", "HostName 127.0.0.1", "Port " + gw.port(), "User alice", "IdentityFile " + aliceKey);
        Poll.until(Duration.ofSeconds(30), "first Azure inventory read",
                () -> gw.gateway().services().inventory().snapshot().byName("api_0").isPresent());
    }

    @AfterAll
    void stop() {
        if (gw != null) gw.close();
        if (azure != null) azure.close();
    }

    private ProcessResult jit(String... args) throws Exception {
        String[] cmd = new String[args.length + 2];
        cmd[0] = "gw";
        cmd[1] = "jit";
        System.arraycopy(args, 0, cmd, 2, args.length);
        return client.run("ssh", cmd);
    }

    private static String grantId(ProcessResult r) {
        Matcher m = GRANT_ID.matcher(r.out());
        assertTrue(m.find(), r.toString());
        return m.group(1);
    }

    private GrantService grants() {
        return gw.gateway().grants();
    }

    @Test
    void requestOpensAnAllowRuleAboveTheDenyAndRevokeRestoresTheNsg() throws Exception {
        Map<String, Map<String, Object>> before = azure.rules(webNsg);

        ProcessResult r = jit("request", "web_0", "--port", "ssh", "--for", "5m", "--mode", "nsg");

        assertEquals(0, r.exit(), r.toString());
        String id = grantId(r);
        String name = "jumpgate-jit-" + id;
        assertTrue(r.out().contains("NSG rule " + name + " allows 127.0.0.1/32 to port 22"), r.out());
        Grant g = grants().find(id).orElseThrow();
        Map<String, Object> rule = azure.rules(webNsg).get(name);
        assertEquals("Inbound", rule.get("direction"));
        assertEquals("Allow", rule.get("access"));
        assertEquals("Tcp", rule.get("protocol"));
        assertEquals(g.source().toString(), rule.get("sourceAddressPrefix"), "the grant's source block");
        assertEquals("127.0.0.1/32", rule.get("sourceAddressPrefix"), "the requester's address");
        assertEquals(web0Host, rule.get("destinationAddressPrefix"));
        assertEquals("22", rule.get("destinationPortRange"));
        assertEquals(101, rule.get("priority"), "the lowest free priority, below deny-ssh at 300");
        assertEquals("jumpgate-jit gw=gw-test exp=" + g.expiresAt().getEpochSecond() + " grant=" + id + " user=alice",
                rule.get("description"));
        JsonNode created = gw.awaitAudit("nsg.rule_created", e -> e.path("fields").path("grant").asText().equals(id));
        assertEquals("alice", created.path("user").asText());

        ProcessResult revoke = jit("revoke", id);
        assertEquals(0, revoke.exit(), revoke.toString());
        Poll.until(Duration.ofSeconds(15), "rule removed on revoke", () -> !azure.rules(webNsg).containsKey(name));
        assertEquals(before, azure.rules(webNsg), "the NSG is as it was");
        JsonNode removed = gw.awaitAudit("nsg.rule_removed", e -> e.path("fields").path("grant").asText().equals(id));
        assertEquals("closed", removed.path("code").asText());
    }

    @Test
    void expiryRemovesTheRule() throws Exception {
        Map<String, Map<String, Object>> before = azure.rules(webNsg);
        ProcessResult r = jit("request", "web_0", "--port", "22", "--for", "5m", "--mode", "nsg");
        assertEquals(0, r.exit(), r.toString());
        String id = grantId(r);
        assertTrue(azure.rules(webNsg).containsKey("jumpgate-jit-" + id));

        clock.advance(Duration.ofMinutes(6));

        Poll.until(Duration.ofSeconds(15), "rule removed at expiry", () -> !azure.rules(webNsg).containsKey("jumpgate-jit-" + id));
        assertEquals(before, azure.rules(webNsg));
        gw.awaitAudit("grant.expired", e -> e.path("fields").path("grant").asText().equals(id));
    }

    @Test
    void aTargetOutsideAzureIsRefusedBeforeAnyGrant() throws Exception {
        ProcessResult r = jit("request", "legacy_0", "--port", "ssh", "--for", "5m", "--mode", "nsg");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("legacy_0 is not an Azure scale-set instance"), r.err());
        assertTrue(grants().lookup().open().stream().noneMatch(g -> g.target().equals("legacy_0")), "no grant made");
        gw.awaitAudit("nsg.rule_refused", e -> e.path("code").asText().equals("not_azure_target"));

        ProcessResult two = jit("request", "web_0", "--port", "ssh,rdp", "--for", "5m", "--mode", "nsg");
        assertEquals(1, two.exit(), two.toString());
        assertTrue(two.err().contains("exactly one --port"), two.err());

        ProcessResult mode = jit("request", "web_0", "--for", "5m", "--mode", "firewall");
        assertEquals(2, mode.exit(), mode.toString());
        assertTrue(mode.err().contains("--mode is gateway or nsg"), mode.err());
    }

    @Test
    void aRefusedRuleRevokesTheGrantAndLeavesTheNsgUntouched() throws Exception {
        Map<String, Map<String, Object>> before = azure.rules(apiNsg);
        ProcessResult r = jit("request", "api_0", "--port", "ssh", "--for", "5m", "--mode", "nsg");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("'legacy-ssh-open'"), r.err());
        assertTrue(r.err().contains("revoked"), r.err());
        assertEquals(before, azure.rules(apiNsg));
        JsonNode refused = gw.awaitAudit("nsg.rule_refused", e -> e.path("code").asText().equals("general_allow_exists"));
        String id = refused.path("fields").path("grant").asText();
        assertEquals(GrantState.REVOKED, grants().find(id).orElseThrow().state(), "the grant does not outlive its rule");
        assertFalse(grants().lookup().open().stream().anyMatch(g -> g.id().equals(id)));
    }
}
