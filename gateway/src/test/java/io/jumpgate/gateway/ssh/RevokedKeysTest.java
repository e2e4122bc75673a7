package io.jumpgate.gateway.ssh;

import com.fasterxml.jackson.databind.JsonNode;
import io.jumpgate.gateway.testing.GatewayFixture;
import io.jumpgate.gateway.testing.OpenSshClient;
import io.jumpgate.gateway.testing.ProcessResult;
import io.jumpgate.gateway.testing.SshdTarget;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ssh.revokedKeys} with the real OpenSSH client: keys and certificates refused at the next login, no restart. */
class RevokedKeysTest {
    private static final Path FILE = Path.of("/etc/jumpgate/revoked_keys");

    private static void revise(Path file, String text) throws Exception {
        Files.writeString(file, text);
        // Every edit with the same modification time (as `cp -p` or a coarse clock would leave it): the content counts.
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2026-01-01T00:00:00Z")));
    }

    private static ProcessResult login(OpenSshClient client, String alias) throws Exception {
        return client.run("ssh", alias, "info");
    }

    @Test
    void revokedKeysAndCertificatesAreRefusedAtTheNextLoginWithoutARestart(@TempDir Path dir) throws Exception {
        SshdTarget.requirePeers(); // the real OpenSSH client and ssh-keygen
        OpenSshClient client = new OpenSshClient(dir.resolve("client"));
        Path plain = client.newKey("plain");
        Path laptop = client.newKey("laptop");
        Path ca = client.newKey("user-ca");
        client.signUserKey(ca, laptop, "alice-laptop", "alice", "-5m:+1h"); // serial 42
        Path revoked = dir.resolve("revoked_keys");
        revise(revoked, "# nothing revoked yet\n");
        try (GatewayFixture gw = GatewayFixture.start(dir.resolve("gw"), """
                ssh:
                  listen: 127.0.0.1:0
                  trustedUserCaKeys: ["%s"]
                  revokedKeys: %s
                users:
                  - {name: alice, authorizedKeys: ["%s"]}
                """.formatted(OpenSshClient.publicLine(ca), revoked, OpenSshClient.publicLine(plain)))) {
            client.knownHost("127.0.0.1", gw.port(), gw.hostKeyLine())
                    .host("gw-plain", "HostName 127.0.0.1", "Port " + gw.port(), "User alice", "IdentityFile " + plain)
                    .host("gw-cert", "HostName 127.0.0.1", "Port " + gw.port(), "User alice", "IdentityFile " + laptop);
            assertEquals(0, login(client, "gw-plain").exit());
            assertEquals(0, login(client, "gw-cert").exit());

            String plainFp = KeyUtils.getFingerPrint(AuthorizedKeys.parse("test", OpenSshClient.publicLine(plain)));
            record Case(String list, boolean plainOk, boolean certOk, String code) {}
            for (Case c : List.of(
                    new Case("serial: 40-45\n", true, false, "key_revoked"),
                    new Case("serial: 0x2a   # 42, as ssh-keygen reads it\n", true, false, "key_revoked"),
                    new Case("key: " + OpenSshClient.publicLine(ca) + "\n", true, false, "key_revoked"), // the CA's key
                    new Case("serial: 43\nid: alice-desktop\n", true, true, null),
                    new Case("id: alice-laptop\n", true, false, "key_revoked"),
                    new Case("key: " + OpenSshClient.publicLine(laptop) + "\n", true, false, "key_revoked"),
                    new Case("hash: " + plainFp + "\n", false, true, "key_revoked"),
                    new Case("# a bare public key line\n" + OpenSshClient.publicLine(plain) + "\n", false, true, "key_revoked"),
                    new Case("serial: forty-two\n", false, false, "revocation_list_unreadable"),
                    new Case("", true, true, null))) {
                revise(revoked, c.list());
                long before = gw.audit().size();
                assertEquals(c.plainOk() ? 0 : 255, login(client, "gw-plain").exit(), "plain key with " + c);
                assertEquals(c.certOk() ? 0 : 255, login(client, "gw-cert").exit(), "certificate with " + c);
                if (c.code() != null) {
                    List<JsonNode> all = gw.audit(); // read once: events of the logins above may still be arriving
                    List<JsonNode> refused = all.subList((int) before, all.size()).stream()
                            .filter(e -> e.path("event").asText().equals("auth.failed") && e.path("code").asText().equals(c.code()))
                            .toList();
                    assertTrue(!refused.isEmpty(), "audited " + c.code() + " with " + c + ": " + gw.audit());
                }
            }
            Files.delete(revoked); // missing: fail closed, as OpenSSH's RevokedKeys does
            assertEquals(255, login(client, "gw-plain").exit());
            JsonNode e = gw.awaitAudit("auth.failed", x -> x.path("code").asText().equals("revocation_list_unreadable")
                    && x.path("fields").path("detail").asText().contains("NoSuchFileException"));
            assertEquals("alice", e.path("user").asText());
            revise(revoked, "serial: 42\n");
            assertEquals(0, login(client, "gw-plain").exit(), "back once it can be read");
            assertEquals(255, login(client, "gw-cert").exit());
            JsonNode cert = gw.awaitAudit("auth.failed", x -> x.path("code").asText().equals("key_revoked")
                    && x.path("fields").path("certSerial").asLong() == 42);
            assertTrue(cert.path("fields").path("detail").asText().contains("certificate serial 42 is revoked"), cert.toString());
        }
    }

    /** Rewritten with the same size and modification time: read at every check, the new content counts. */
    @Test
    void aRewriteThatKeepsSizeAndTimeStillCounts(@TempDir Path dir) throws Exception {
        String a = org.apache.sshd.common.config.keys.PublicKeyEntry.toString(KeyUtils.generateKeyPair("ssh-ed25519", 256).getPublic());
        String b = org.apache.sshd.common.config.keys.PublicKeyEntry.toString(KeyUtils.generateKeyPair("ssh-ed25519", 256).getPublic());
        assertEquals(a.length(), b.length());
        Path file = dir.resolve("revoked_keys");
        revise(file, a + "\n");
        RevokedKeys keys = new RevokedKeys(file, (user, key, source) -> KeyVerdict.accept(null));
        java.security.PublicKey keyA = AuthorizedKeys.parse("test", a), keyB = AuthorizedKeys.parse("test", b);
        assertEquals("key_revoked", keys.check("alice", keyA, null).code());
        assertEquals("ok", keys.check("alice", keyB, null).code());
        revise(file, b + "\n"); // same size, same time
        assertEquals("ok", keys.check("alice", keyA, null).code());
        assertEquals("key_revoked", keys.check("alice", keyB, null).code());
    }

    @Test
    void aBadListNamesItsLine() throws Exception {
        String key = org.apache.sshd.common.config.keys.PublicKeyEntry.toString(KeyUtils.generateKeyPair("ssh-ed25519", 256).getPublic());
        RevokedKeys.Entries ok = RevokedKeys.parse(FILE, List.of("# comment", "", "serial: 1   # lost laptop", "serial: 5-9",
                "id: lost-laptop", "key: " + key, key + " with a comment", "sha256: " + key,
                "hash: SHA256:" + "A".repeat(43)));
        assertEquals(7, ok.size()); // the same key three ways counts three times
        assertEquals(java.util.Set.of("alice"), RevokedKeys.parse(FILE, List.of("id: alice#2")).ids(),
                "a comment runs from the first '#', as ssh-keygen reads the file");
        for (var bad : List.of(List.of("serial: 9-5", "line 1: serial range 9-5 runs backwards"),
                List.of("# ok\nserial: x", "line 2: expected serial: N or serial: N-M"),
                List.of("id:", "line 1: an empty key id"),
                List.of("hash: MD5:aa", "line 1: expected hash: SHA256:"),
                List.of("ca: ssh-ed25519 AAAA", "line 1: ca: scoping is not supported"),
                List.of("nonsense", "line 1: expected serial:, id:, key:, sha256:, hash: or a public key line"),
                List.of("SSHKRL\u0000\u0000", "line 1: a binary KRL"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> RevokedKeys.parse(FILE, List.of(bad.get(0).split("\n"))), bad.get(0));
            assertTrue(e.getMessage().startsWith(FILE + " " + bad.get(1)), e.getMessage());
        }
    }
}
