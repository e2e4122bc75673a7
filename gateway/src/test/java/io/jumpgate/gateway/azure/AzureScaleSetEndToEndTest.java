package io.jumpgate.gateway.azure;

import com.fasterxml.jackson.databind.JsonNode;
import io.jumpgate.config.azure.FakeAzure;
import io.jumpgate.core.target.InventorySnapshot;
import io.jumpgate.gateway.testing.GatewayFixture;
import io.jumpgate.gateway.testing.OpenSshClient;
import io.jumpgate.gateway.testing.ProcessResult;
import io.jumpgate.gateway.testing.SshdTarget;
import io.jumpgate.testkit.FreePorts;
import io.jumpgate.testkit.Poll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Acceptance: a gateway whose inventory is an Azure scale set (served by a local HTTPS stand-in for Resource
 * Manager) follows scale-out and scale-in on the SSH jump path (real OpenSSH client, real sshd on the new
 * instance's private address) and on its RDP NAT-pool ports, and refuses deallocated instances.
 *
 * <p>Instances: {@code web_0} (running, a TCP service), {@code web_1} (deallocated), and later {@code web_2}
 * (sshd plus the TCP service). NAT pool port {@code start + i} reaches the i-th instance in instance-id order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AzureScaleSetEndToEndTest {
    static final String RG = "rg-web";
    static final String VMSS = "web";
    static final int POOL_SIZE = 3;

    Path dir;
    FakeAzure azure;
    SshdTarget sshd;
    InstanceService services;
    GatewayFixture gw;
    OpenSshClient client;
    String web0Host;
    String web1Host;
    int poolStart;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        dir = tmp;
        SshdTarget.requirePeers();
        client = new OpenSshClient(dir.resolve("client"));
        Path aliceKey = client.newKey("alice");
        Path targetKey = client.newKey("jgtest");
        sshd = SshdTarget.start(dir.resolve("web_2"), List.of(OpenSshClient.publicLine(targetKey)));
        web0Host = FreePorts.nextLoopbackHost();
        web1Host = FreePorts.nextLoopbackHost();
        services = InstanceService.onSamePort(List.of(web0Host, sshd.host()), List.of("web_0", "web_2"));

        azure = FakeAzure.start();
        azure.addInstance(RG, VMSS, 0, web0Host, "running");
        azure.addInstance(RG, VMSS, 1, web1Host, "deallocated");

        gw = startGateway(dir, azure, """
                ssh:
                  listen: 127.0.0.1:0
                limits:
                  allowLoopbackTargets: true
                inventory:
                  azure:
                    subscriptionId: %s
                    credential: defaultAzureCredential
                    scaleSets: [{resourceGroup: %s, name: %s}]
                    refreshInterval: 5s
                    endpoint: {resourceManager: "%s/"}
                rdp:
                  listen: 127.0.0.1
                  mappings:
                    - name: web-pool
                      natPool: {frontendPortRangeStart: START, frontendPortRangeEnd: END, targets: ["web_*"]}
                      backendPort: %d
                      raw: true
                roles:
                  - {name: ops, targets: ["web_*"], ports: [%d]}
                  - {name: rdp-office, targets: ["web_*"], ports: [%d], allowFrom: [127.0.0.1/32]}
                users:
                  - {name: alice, roles: [ops], authorizedKeys: ["%s"]}
                """.formatted(FakeAzure.SUBSCRIPTION, RG, VMSS, azure.baseUrl(), services.port(), sshd.port(),
                services.port(), OpenSshClient.publicLine(aliceKey)));
        poolStart = gw.gateway().rdpPorts().get(0);
        assertEquals(POOL_SIZE, gw.gateway().rdpPorts().size());

        client.knownHost("127.0.0.1", gw.port(), gw.hostKeyLine())
                .knownHost("web_2", sshd.port(), sshd.hostKeyLine())
                .host("gw", "HostName 127.0.0.1", "Port " + gw.port(), "User alice", "IdentityFile " + aliceKey)
                .host("web_2", "User " + sshd.loginUser(), "Port " + sshd.port(), "IdentityFile " + targetKey);
        Poll.until(Duration.ofSeconds(30), "first Azure inventory read", () -> inventory().byName("web_0").isPresent());
    }

    /**
     * Starts the gateway with {@code START}/{@code END} in the YAML replaced by a probed range of
     * {@link #POOL_SIZE} consecutive free ports; tries a fresh range when one was taken meanwhile (bounded).
     */
    static GatewayFixture startGateway(Path dir, FakeAzure azure, String yaml) throws Exception {
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int start = FreePorts.probeRange("127.0.0.1", POOL_SIZE);
            String text = yaml.replace("START", String.valueOf(start)).replace("END", String.valueOf(start + POOL_SIZE - 1));
            try {
                return GatewayFixture.startWith(dir.resolve("gw-" + attempt), text, b -> {
                    try {
                        b.azureClients(azure.clients());
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
            } catch (IOException e) {
                if (!String.valueOf(e.getMessage()).contains("cannot bind")) throw e;
                last = e;
            }
        }
        throw last;
    }

    @AfterAll
    void stop() throws Exception {
        if (gw != null) gw.close();
        if (services != null) services.close();
        if (sshd != null) sshd.close();
        if (azure != null) azure.close();
    }

    private InventorySnapshot inventory() {
        return gw.gateway().services().inventory().snapshot();
    }

    /** What one connection to NAT-pool port {@code start + index} receives before the relay or instance closes it. */
    private String throughPool(int index) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", poolStart + index), 5000);
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private long denials(String event, String code, java.util.function.Predicate<JsonNode> p) {
        return gw.audit().stream().filter(e -> e.path("event").asText().equals(event) && e.path("code").asText().equals(code))
                .filter(p).count();
    }

    private static boolean requested(JsonNode e, String name) {
        return e.path("fields").path("requested").asText().equals(name);
    }

    @Test
    void scaleOutIsReachableAfterARefreshAndScaleInIsRefusedAgain() throws Exception {
        assertEquals("instance web_0\n", throughPool(0), "pool port 0 reaches instance 0");

        // before the scale-out is seen: unknown to the gateway, and its pool port leads nowhere
        ProcessResult before = client.run("ssh", "-J", "gw", "web_2", "true");
        assertEquals(255, before.exit(), before.toString());
        Poll.until(Duration.ofSeconds(15), "unknown_target audited", () -> denials("forward.denied", "unknown_target",
                e -> requested(e, "web_2")) == 1);
        assertEquals("", throughPool(2), "no instance behind pool port 2 yet: closed without a byte");

        azure.addInstance(RG, VMSS, 2, sshd.host(), "running");
        gw.gateway().services().inventory().refresh();

        ProcessResult jump = client.run("ssh", "-J", "gw", "web_2", "echo", "on-$(whoami)");
        assertEquals(0, jump.exit(), jump.toString());
        assertEquals("on-jgtest\n", jump.out());
        JsonNode allowed = gw.awaitAudit("forward.allowed", e -> e.path("target").path("name").asText().equals("web_2"));
        assertEquals(sshd.host(), allowed.path("target").path("address").asText());
        assertEquals("instance web_2\n", throughPool(2), "pool port 2 now reaches the new instance");
        gw.awaitAudit("rdp.admitted", e -> e.path("target").path("name").asText().equals("web_2"));

        // scale-in
        azure.removeInstance(RG, VMSS, 2);
        gw.gateway().services().inventory().refresh();

        ProcessResult after = client.run("ssh", "-J", "gw", "web_2", "true");
        assertEquals(255, after.exit(), after.toString());
        assertTrue(after.err().contains("administratively prohibited") || after.err().contains("stdio forwarding failed"),
                after.err());
        Poll.until(Duration.ofSeconds(15), "unknown_target audited again", () -> denials("forward.denied", "unknown_target",
                e -> requested(e, "web_2")) == 2);
        ProcessResult byAddress = client.run("ssh", "-W", sshd.host() + ":" + sshd.port(), "gw");
        assertEquals(255, byAddress.exit(), "its old address is no target either: " + byAddress);

        long refusedBefore = denials("rdp.denied", "unknown_target", e -> true);
        assertEquals("", throughPool(2), "pool port 2 closes new connections without a byte");
        Poll.until(Duration.ofSeconds(15), "rdp.denied unknown_target", () ->
                denials("rdp.denied", "unknown_target", e -> true) == refusedBefore + 1);
        assertEquals("instance web_0\n", throughPool(0), "the remaining instance is unaffected");
    }

    @Test
    void deallocatedInstanceIsRefusedAsNotRunning() throws Exception {
        ProcessResult r = client.run("ssh", "-o", "LogLevel=INFO", "-W", "web_1:" + sshd.port(), "gw");
        assertEquals(255, r.exit(), r.toString());
        assertTrue(r.err().contains("administratively prohibited"), r.err());
        JsonNode denied = gw.awaitAudit("forward.denied", e -> requested(e, "web_1"));
        assertEquals("target_not_running", denied.path("code").asText(), denied.toString());
        assertTrue(denied.path("fields").path("detail").asText().contains("deallocated"), denied.toString());

        assertEquals("", throughPool(1), "pool port 1 (the deallocated instance) admits nothing");
        gw.awaitAudit("rdp.denied", e -> e.path("code").asText().equals("target_not_running"));
    }

    @Test
    void nsgModeIsRefusedWhenNotEnabled() throws Exception {
        ProcessResult r = client.run("ssh", "gw", "jit", "request", "web_0", "--port", String.valueOf(sshd.port()),
                "--for", "5m", "--mode", "nsg");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("--mode nsg is not enabled"), r.err());
        assertTrue(gw.gateway().grants().lookup().open().isEmpty(), "no grant was made");
    }
}
