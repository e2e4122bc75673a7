package io.jumpgate.gateway;

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

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The configurable limits: login grace time, authentication attempts per connection, idle timeout. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LimitsTest {
    GatewayFixture gw;
    OpenSshClient client;
    final List<String> identityOptions = new ArrayList<>();

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        SshdTarget.requirePeers();
        client = new OpenSshClient(dir.resolve("client"));
        Path alice = client.newKey("alice");
        for (int i = 0; i < 4; i++) {
            identityOptions.add("IdentityFile " + client.newKey("wrong" + i));
        }
        gw = GatewayFixture.start(dir.resolve("gw"), """
                ssh: {listen: 127.0.0.1:0}
                limits: {loginGraceTime: 2s, maxAuthAttempts: 3, idleTimeout: 2s}
                users:
                  - {name: alice, authorizedKeys: ["%s"]}
                """.formatted(OpenSshClient.publicLine(alice)));
        client.knownHost("127.0.0.1", gw.port(), gw.hostKeyLine())
                .host("gw", "HostName 127.0.0.1", "Port " + gw.port(), "User alice", "IdentityFile " + alice)
                .host("gw-many-keys", concat("HostName 127.0.0.1", "Port " + gw.port(), "User alice",
                        "IdentityFile " + alice));
    }

    private String[] concat(String... head) {
        List<String> all = new ArrayList<>(List.of(head));
        // the right key is offered last, after four wrong ones
        all.addAll(all.size() - 1, identityOptions);
        return all.toArray(String[]::new);
    }

    @AfterAll
    void stop() {
        if (gw != null) gw.close();
    }

    @Test
    void tooManyKeysOfferedEndsTheConnectionBeforeTheRightOne() throws Exception {
        ProcessResult r = client.run("ssh", "gw-many-keys", "info");
        assertTrue(r.exit() != 0, "the fifth key is never reached with maxAuthAttempts 3: " + r);
        ProcessResult ok = client.run("ssh", "gw", "info");
        assertEquals(0, ok.exit(), ok.toString());
    }

    @Test
    void idleConnectionIsClosed() throws Exception {
        Process p = client.start("ssh", "-N", "gw");
        try {
            gw.awaitAudit("auth.succeeded", e -> true);
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "an idle connection outlived idleTimeout 2s");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void unauthenticatedConnectionIsClosedAfterTheGraceTime() throws Exception {
        long start = System.nanoTime();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", gw.port()), 5000);
            s.setSoTimeout(20_000);
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            int total = 0;
            int n;
            // The banner arrives, then nothing more until the gateway gives up on us.
            while ((n = in.read(buf)) >= 0 && total < 1_000_000) {
                total += n;
            }
            assertTrue(total > 0, "banner received");
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(took.compareTo(Duration.ofSeconds(15)) < 0, "closed after " + took);
        Poll.until(Duration.ofSeconds(10), "session.closed audited", () -> gw.audit().stream()
                .anyMatch(e -> e.path("event").asText().equals("session.closed")));
    }
}
