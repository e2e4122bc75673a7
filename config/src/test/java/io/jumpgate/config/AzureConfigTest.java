package io.jumpgate.config;

import io.jumpgate.config.azure.AzureSettings;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AzureConfigTest {
    private static final String SUB = "00000000-0000-0000-0000-00000000abcd";

    private static String azure(String body) {
        return "inventory:\n  azure:\n    subscriptionId: " + SUB + "\n" + body;
    }

    private static void fails(String yaml, String path, String words) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml));
        assertEquals(path, e.path(), e.getMessage());
        assertTrue(e.getMessage().contains(words), e.getMessage());
    }

    @Test
    void readsTheAzureSection() {
        JumpgateConfig c = ConfigLoader.parse(azure("""
                    scaleSets:
                      - {resourceGroup: rg-web, name: web}
                    tagSelector: {jumpgate: enabled}
                    includeVms: true
                    refreshInterval: 1m
                    credential: {type: managedIdentity, clientId: 33333333-3333-3333-3333-333333333333}
                    endpoint: {resourceManager: "https://127.0.0.1:8443"}
                """));
        AzureSettings a = c.inventory().azure();
        assertEquals(SUB, a.subscriptionId());
        assertEquals(List.of(new AzureSettings.ScaleSetRef("rg-web", "web")), a.scaleSets());
        assertEquals(Map.of("jumpgate", "enabled"), a.tagSelector());
        assertTrue(a.includeVms());
        assertEquals(Duration.ofMinutes(1), a.refreshInterval());
        assertEquals(Duration.ofHours(1), a.maxStaleness(), "default");
        assertEquals("33333333-3333-3333-3333-333333333333", assertInstanceOf(AzureSettings.ManagedIdentity.class, a.credential()).clientId());
        assertEquals(URI.create("https://127.0.0.1:8443/"), a.endpoints().resourceManager());
        assertEquals(AzureSettings.Endpoints.AZURE_PUBLIC.activeDirectory(), a.endpoints().activeDirectory());
        assertTrue(c.inventory().staticTargets().isEmpty());
    }

    @Test
    void staticAloneStillWorksAndBothCombine() {
        String stat = "limits: {allowLoopbackTargets: true}\ninventory:\n  static:\n    - {name: db_0, address: 127.0.0.9}\n";
        JumpgateConfig only = ConfigLoader.parse(stat);
        assertNull(only.inventory().azure());
        assertEquals(1, only.inventory().staticTargets().size());
        JumpgateConfig both = ConfigLoader.parse(stat + "  azure:\n    subscriptionId: " + SUB
                + "\n    scaleSets: [{resourceGroup: rg, name: web}]\n    credential: defaultAzureCredential\n");
        assertEquals(1, both.inventory().staticTargets().size());
        assertInstanceOf(AzureSettings.DefaultChain.class, both.inventory().azure().credential());
    }

    @Test
    void theDeployExampleLoads() {
        Path example = Path.of("..", "deploy", "azure", "jumpgate.yaml");
        assertTrue(Files.exists(example), example.toAbsolutePath().toString());
        JumpgateConfig c = ConfigLoader.load(example);
        assertInstanceOf(AzureSettings.ManagedIdentity.class, c.inventory().azure().credential());
        assertEquals("recordings", c.recordings().azureBlob().container());
        assertEquals("https://jumpgaterecordings.blob.core.windows.net/", c.recordings().azureBlob().endpoint());
    }

    @Test
    void badInputNamesTheKey() {
        String sets = "    scaleSets: [{resourceGroup: rg, name: web}]\n";
        fails("inventory:\n  azure:\n    scaleSets: [{resourceGroup: rg, name: web}]\n", "inventory.azure.subscriptionId", "missing");
        fails("inventory:\n  azure:\n    subscriptionId: my-sub\n" + sets, "inventory.azure.subscriptionId", "GUID");
        fails(azure("    tenantId: contoso\n" + sets), "inventory.azure.tenantId", "GUID");
        fails(azure("    includeVms: true\n"), "inventory.azure.scaleSets", "selects nothing");
        fails(azure("    scaleSets: [{resourceGroup: rg}]\n"), "inventory.azure.scaleSets[0].name", "missing");
        fails(azure("    scaleSets: [{resourceGroup: rg, name: 'we b'}]\n"), "inventory.azure.scaleSets[0].name", "scale set name");
        fails(azure(sets + "    refreshInterval: 1s\n"), "inventory.azure.refreshInterval", "at least 5s");
        fails(azure(sets + "    refreshInterval: 2m\n    maxStaleness: 1m\n"), "inventory.azure.maxStaleness",
                "longer than refreshInterval");
        fails(azure(sets + "    credential: password\n"), "inventory.azure.credential", "unknown credential 'password'");
        fails(azure(sets + "    credential: {type: servicePrincipal, clientId: x, clientSecretEnv: JG_NOT_SET_ANYWHERE}\n"),
                "inventory.azure.tenantId", "needs tenantId");
        fails(azure(sets + "    tenantId: " + SUB + "\n    credential: {type: servicePrincipal, clientId: x, clientSecretEnv: JG_NOT_SET_ANYWHERE}\n"),
                "inventory.azure.credential.clientSecretEnv", "JG_NOT_SET_ANYWHERE is not set");
        fails(azure(sets + "    tenantId: " + SUB + "\n    credential: {type: servicePrincipal, clientId: x}\n"),
                "inventory.azure.credential.clientSecretEnv", "exactly one");
        fails(azure(sets + "    endpoint: {resourceManager: 'http://127.0.0.1:8080'}\n"), "inventory.azure.endpoint.resourceManager", "https://");
        fails(azure(sets + "    cloud: Mars\n"), "inventory.azure.cloud", "unknown cloud");
        fails(azure(sets + "    scaleSet: [{resourceGroup: rg, name: web}]\n"), "inventory.azure.scaleSet", "unknown key 'scaleSet'");
        fails("recordings:\n  azureBlob: {container: recordings}\n", "recordings.azureBlob.endpoint", "exactly one");
        fails("recordings:\n  azureBlob: {endpoint: 'https://a.blob.core.windows.net', container: Rec_Ordings}\n",
                "recordings.azureBlob.container", "not valid");
        fails("recordings:\n  azureBlob: {connectionStringEnv: JG_NOT_SET_ANYWHERE, container: recordings}\n",
                "recordings.azureBlob.connectionStringEnv", "is not set");
    }

    @Test
    void nsgJitIsOffUnlessEnabledAndNamesBadKeys() {
        String sets = "    scaleSets: [{resourceGroup: rg, name: web}]\n";
        assertNull(ConfigLoader.parse(azure(sets)).inventory().azure().nsgJit());
        assertNull(ConfigLoader.parse(azure(sets + "    nsgJit: {enabled: false, gatewayId: gw1}\n")).inventory().azure().nsgJit());
        var on = ConfigLoader.parse(azure(sets + "    nsgJit: {enabled: true, gatewayId: gw-west.1, sweepInterval: 10s}\n"))
                .inventory().azure().nsgJit();
        assertEquals("gw-west.1", on.gatewayId());
        assertEquals(Duration.ofSeconds(10), on.sweepInterval());
        var dflt = ConfigLoader.parse(azure(sets + "    nsgJit: {enabled: true}\n")).inventory().azure().nsgJit();
        assertEquals("jumpgate", dflt.gatewayId());
        assertEquals(Duration.ofSeconds(30), dflt.sweepInterval());

        fails(azure(sets + "    nsgJit: {enabled: true, gatewayId: 'gw 1'}\n"), "inventory.azure.nsgJit.gatewayId", "gatewayId must be");
        fails(azure(sets + "    nsgJit: {enabled: true, sweepInterval: 0s}\n"), "inventory.azure.nsgJit.sweepInterval", "positive");
        fails(azure(sets + "    nsgJit: {enabled: yes-please}\n"), "inventory.azure.nsgJit.enabled", "");
        fails(azure(sets + "    nsgJit: {enable: true}\n"), "inventory.azure.nsgJit.enable", "");
    }
}
