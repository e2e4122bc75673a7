package io.jumpgate.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.jumpgate.gateway.testing.GatewayFixture;
import io.jumpgate.gateway.testing.OpenSshClient;
import io.jumpgate.gateway.testing.ProcessResult;
import io.jumpgate.gateway.testing.SshdTarget;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.apache.sshd.core.CoreModuleProperties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the SSH front end refuses beyond policy, each refusal audited: what a certificate's issuer left out, subsystems
 * on the gateway itself, and more session channels on one connection than sshd's MaxSessions. Real OpenSSH client
 * and sshd target (and MINA's client where OpenSSH cannot be made to misbehave).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SshRefusalsTest {
    Path dir;
    SshdTarget target;
    GatewayFixture gw;
    OpenSshClient client;
    Path aliceKey;
    Path ca;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        dir = tmp;
        SshdTarget.requirePeers();
        client = new OpenSshClient(dir.resolve("client"));
        aliceKey = client.newKey("alice");
        ca = client.newKey("user-ca");
        Path targetKey = client.newKey("jgtest");
        target = SshdTarget.start(dir.resolve("target"), List.of(OpenSshClient.publicLine(targetKey)));
        gw = GatewayFixture.start(dir.resolve("gw"), """
                ssh:
                  listen: 127.0.0.1:0
                  trustedUserCaKeys: ["%s"]
                limits:
                  allowLoopbackTargets: true
                inventory:
                  static:
                    - {name: web_0, address: %s}
                roles:
                  - {name: ops, targets: [web_*], ports: [%d]}
                users:
                  - {name: alice, roles: [ops], authorizedKeys: ["%s"]}
                """.formatted(OpenSshClient.publicLine(ca), target.host(), target.port(), OpenSshClient.publicLine(aliceKey)));
        client.knownHost("127.0.0.1", gw.port(), gw.hostKeyLine())
                .knownHost("web_0", target.port(), target.hostKeyLine())
                .host("gw", "HostName 127.0.0.1", "Port " + gw.port(), "User alice", "IdentityFile " + aliceKey)
                .host("web_0", "User " + target.loginUser(), "Port " + target.port(), "IdentityFile " + targetKey);
    }

    @AfterAll
    void stop() throws Exception {
        if (gw != null) gw.close();
        if (target != null) target.close();
    }

    /** A certificate's extensions are what its issuer permits: without permit-port-forwarding, no jump (as sshd). */
    @Test
    void aCertificateWithoutPortForwardingCannotJumpAndOneWithItCan() throws Exception {
        Path restricted = client.newKey("restricted");
        client.signUserKey(ca, restricted, "alice-no-fwd", "alice", "-5m:+1h", "clear", "permit-pty");
        client.host("gw-restricted", "HostName 127.0.0.1", "Port " + gw.port(), "User alice", "IdentityFile " + restricted);
        ProcessResult r = client.run("ssh", "-J", "gw-restricted", "web_0", "echo", "reached");
        assertNotEquals("reached\n", r.out(), r.toString());
        JsonNode denied = gw.awaitAudit("forward.denied", e -> e.path("fields").path("detail").asText().contains("alice-no-fwd"));
        assertEquals("forwarding_disabled", denied.path("code").asText());
        assertTrue(denied.path("fields").path("detail").asText().contains("does not permit port forwarding"), denied.toString());

        Path full = client.newKey("full");
        client.signUserKey(ca, full, "alice-full", "alice", "-5m:+1h"); // ssh-keygen's default: every permit-* extension
        client.host("gw-full", "HostName 127.0.0.1", "Port " + gw.port(), "User alice", "IdentityFile " + full);
        ProcessResult ok = client.run("ssh", "-J", "gw-full", "web_0", "echo", "reached");
        assertEquals("reached\n", ok.out(), ok.toString());
    }

    @Test
    void aCertificateWithoutPtyGetsNoTerminal() throws Exception {
        Path noPty = client.newKey("nopty");
        client.signUserKey(ca, noPty, "alice-no-pty", "alice", "-5m:+1h", "clear");
        client.host("gw-nopty", "HostName 127.0.0.1", "Port " + gw.port(), "User alice", "IdentityFile " + noPty);
        client.run("ssh", "-tt", "gw-nopty", "info");
        JsonNode denied = gw.awaitAudit("forward.denied", e -> e.path("fields").path("request").asText().equals("pty-req"));
        assertTrue(denied.path("fields").path("detail").asText().contains("alice-no-pty"), denied.toString());
    }

    @Test
    void sftpToTheGatewayItselfIsRefusedAndAudited() throws Exception {
        ProcessResult r = client.run("sftp", "-b", "/dev/null", "gw");
        assertNotEquals(0, r.exit(), r.toString());
        JsonNode denied = gw.awaitAudit("forward.denied", e -> e.path("fields").path("request").asText().equals("subsystem:sftp"));
        assertEquals("forwarding_disabled", denied.path("code").asText());
    }

    /** A client that never reads (window 0) and opens session after session holds at most MAX_SESSIONS of them. */
    @Test
    void oneConnectionHoldsAtMostMaxSessionsSessionChannels() throws Exception {
        KeyPair alice;
        try (InputStream in = Files.newInputStream(aliceKey)) {
            alice = SecurityUtils.loadKeyPairIdentities(null, null, in, FilePasswordProvider.EMPTY).iterator().next();
        }
        try (SshClient c = SshClient.setUpDefaultClient()) {
            c.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
            CoreModuleProperties.WINDOW_SIZE.set(c, 0L); // the gateway can never send us a byte
            c.start();
            try (ClientSession s = c.connect("alice", "127.0.0.1", gw.port()).verify(Duration.ofSeconds(10)).getSession()) {
                s.addPublicKeyIdentity(alice);
                s.auth().verify(Duration.ofSeconds(10));
                List<ChannelExec> opened = new ArrayList<>();
                int refused = 0;
                for (int i = 0; i < 30; i++) {
                    ChannelExec ch = s.createExecChannel("info");
                    try {
                        ch.open().verify(Duration.ofSeconds(10));
                        opened.add(ch);
                    } catch (Exception e) {
                        refused++;
                    }
                }
                assertEquals(io.jumpgate.gateway.ssh.SshGateway.MAX_SESSIONS, opened.size());
                assertEquals(30 - opened.size(), refused);
                gw.awaitAudit("forward.denied", e -> e.path("fields").path("request").asText().equals("session"));
                // Closing one makes room for another (once the gateway has seen the close).
                opened.get(0).close(false).await(Duration.ofSeconds(10));
                io.jumpgate.testkit.Poll.until(Duration.ofSeconds(10), "a session channel again after one closed", () -> {
                    try {
                        s.createExecChannel("info").open().verify(Duration.ofSeconds(5));
                        return true;
                    } catch (Exception e) {
                        return false;
                    }
                });
            }
        }
    }
}
