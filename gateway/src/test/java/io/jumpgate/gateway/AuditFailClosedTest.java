package io.jumpgate.gateway;

import io.jumpgate.core.audit.AuditType;
import io.jumpgate.gateway.testing.FailingAuditSink;
import io.jumpgate.gateway.testing.GatewayFixture;
import io.jumpgate.gateway.testing.OpenSshClient;
import io.jumpgate.gateway.testing.ProcessResult;
import io.jumpgate.testkit.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When the audit record cannot be written, the audited action does not happen. */
class AuditFailClosedTest {
    private static final String YAML = """
            ssh:
              listen: 127.0.0.1:0
            limits:
              allowLoopbackTargets: true
            inventory:
              static:
                - {name: web_0, address: %s}
            roles:
              - {name: ops, targets: [web_*], ports: [ssh]}
            users:
              - {name: alice, roles: [ops], authorizedKeys: ["%s"]}
            """;

    @Test
    void forwardIsRefusedWhenItsAuditFails(@TempDir Path dir) throws Exception {
        OpenSshClient client = new OpenSshClient(dir.resolve("client"));
        Path key = client.newKey("alice");
        FailingAuditSink sink = new FailingAuditSink(AuditType.FORWARD_ALLOWED);
        try (GatewayFixture gw = GatewayFixture.start(dir.resolve("gw"),
                YAML.formatted(FreePorts.nextLoopbackHost(), OpenSshClient.publicLine(key)), sink)) {
            client.knownHost("127.0.0.1", gw.port(), gw.hostKeyLine());
            ProcessResult r = client.run("ssh", "-o", "LogLevel=INFO", "-o", "IdentityFile=" + key, "-o", "User=alice",
                    "-o", "Port=" + gw.port(), "-W", "web_0:22", "127.0.0.1");
            assertEquals(255, r.exit(), r.toString());
            assertTrue(r.err().contains("administratively prohibited"), r.err());
            assertTrue(sink.ok.matching(e -> e.type() == AuditType.CHANNEL_CLOSED).isEmpty());
        }
    }

    @Test
    void loginIsRefusedWhenItsAuditFails(@TempDir Path dir) throws Exception {
        OpenSshClient client = new OpenSshClient(dir.resolve("client"));
        Path key = client.newKey("alice");
        FailingAuditSink sink = new FailingAuditSink(AuditType.AUTH_SUCCEEDED);
        try (GatewayFixture gw = GatewayFixture.start(dir.resolve("gw"),
                YAML.formatted(FreePorts.nextLoopbackHost(), OpenSshClient.publicLine(key)), sink)) {
            client.knownHost("127.0.0.1", gw.port(), gw.hostKeyLine());
            ProcessResult r = client.run("ssh", "-o", "IdentityFile=" + key, "-o", "User=alice",
                    "-o", "Port=" + gw.port(), "127.0.0.1", "info");
            assertEquals(255, r.exit(), r.toString());
            assertTrue(r.err().contains("Permission denied"), r.err());
        }
    }
}
