package io.jumpgate.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.jumpgate.gateway.testing.GatewayFixture;
import io.jumpgate.gateway.testing.OpenSshClient;
import io.jumpgate.gateway.testing.ProcessResult;
import io.jumpgate.core.audit.AuditVerifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The host key survives a restart (the client's strict known_hosts still matches); a removed key stops working. */
class GatewayRestartTest {
    private static final String YAML = """
            ssh:
              listen: 127.0.0.1:0
            users:
              - name: alice
                authorizedKeys: [%s]
            """;

    @Test
    void hostKeyIsReusedAndRemovedKeysAreRefused(@TempDir Path dir) throws Exception {
        OpenSshClient client = new OpenSshClient(dir.resolve("client"));
        Path kept = client.newKey("kept");
        Path removed = client.newKey("removed");
        Path data = dir.resolve("gw");
        String fingerprint;
        try (GatewayFixture gw = GatewayFixture.start(data, YAML.formatted("\"" + OpenSshClient.publicLine(kept) + "\", \""
                + OpenSshClient.publicLine(removed) + "\""))) {
            fingerprint = gw.hostKeyFingerprint();
            client.knownHost("127.0.0.1", gw.port(), gw.hostKeyLine());
            assertEquals(0, run(client, gw, removed).exit());
        }
        Path hostKey = data.resolve("ssh_host_ed25519_key");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(hostKey)));

        try (GatewayFixture gw = GatewayFixture.start(data, YAML.formatted("\"" + OpenSshClient.publicLine(kept) + "\""))) {
            assertEquals(fingerprint, gw.hostKeyFingerprint());
            client.knownHost("127.0.0.1", gw.port(), gw.hostKeyLine());
            ProcessResult ok = run(client, gw, kept);
            assertEquals(0, ok.exit(), "strict host key checking passes after restart: " + ok);
            ProcessResult refused = run(client, gw, removed);
            assertEquals(255, refused.exit(), refused.toString());
            JsonNode e = gw.awaitAudit("auth.failed", x -> x.path("code").asText().equals("unknown_key"));
            assertEquals("alice", e.path("user").asText());
            assertTrue(e.path("fields").path("fingerprint").asText().startsWith("SHA256:"));
        }
        // Two runs, one chain: the restarted gateway continued the log.
        assertTrue(AuditVerifier.verify(data.resolve("audit/audit.jsonl")).ok());
    }

    @Test
    void theDataDirectoryIsPrivateAndHasOneGateway(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("gw");
        Files.createDirectories(data);
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x")); // as umask 022 makes it
        String yaml = YAML.formatted("\"" + OpenSshClient.publicLine(new OpenSshClient(dir.resolve("client")).newKey("k")) + "\"");
        try (GatewayFixture gw = GatewayFixture.start(data, yaml)) {
            // The grant database's .lock.db names its local server's port and key: other users must not read it.
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data)));
            // A second gateway on the same data directory would write over the first one's audit lines.
            java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                    () -> GatewayFixture.start(data, yaml).close());
            assertTrue(e.getMessage().contains("being written by another process"), e.getMessage());
            gw.awaitAudit("gateway.started", x -> true);
        }
        assertTrue(AuditVerifier.verify(data.resolve("audit/audit.jsonl")).ok());
        Path fresh = dir.resolve("new/data");
        try (GatewayFixture gw = GatewayFixture.start(fresh, yaml)) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh)));
        }
    }

    private static ProcessResult run(OpenSshClient client, GatewayFixture gw, Path key) throws Exception {
        return client.run("ssh", "-o", "IdentityFile=" + key, "-o", "User=alice", "-o", "Port=" + gw.port(), "127.0.0.1", "info");
    }
}
