package io.jumpgate.rdp;

import io.jumpgate.core.audit.AuditEvent;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.policy.TargetSelector;
import io.jumpgate.testkit.FreePorts;
import io.jumpgate.testkit.Peers;
import io.jumpgate.testkit.Poll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real FreeRDP (under Xvfb) through the relay to a real xrdp on a 127.0.0.x "instance": sesman's log must
 * record a started desktop session for the test user, through a NAT-pool port and through a named port.
 */
class FreeRdpThroughRelayTest {
    static XrdpTarget xrdp;
    static Process xvfb;
    static String display;

    @BeforeAll
    static void peers() throws Exception {
        Path xvfbBin = Peers.requireExecutable("Xvfb", "Xvfb");
        Peers.requireExecutable("xfreerdp", "xfreerdp");
        xrdp = XrdpTarget.start(FreePorts.nextLoopbackHost());
        xvfb = new ProcessBuilder(xvfbBin.toString(), "-displayfd", "1", "-screen", "0", "1024x768x24", "-nolisten", "tcp")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(xvfb.getInputStream(), StandardCharsets.US_ASCII));
        display = ":" + Poll.value(Duration.ofSeconds(15), "Xvfb display number", () -> {
            try {
                return r.readLine();
            } catch (java.io.IOException e) {
                return null;
            }
        }).trim();
    }

    @AfterAll
    static void stop() {
        if (xvfb != null) xvfb.destroy();
        if (xrdp != null) xrdp.close();
    }

    /** Runs xfreerdp at the relay port until sesman starts a session, then disconnects. */
    static void loginThrough(RelayHarness h, int relayPort) throws Exception {
        long before = xrdp.sessionsStarted();
        Process client = withDisplay(new ProcessBuilder("xfreerdp", "/v:127.0.0.1:" + relayPort, "/u:" + XrdpTarget.USER,
                "/p:" + XrdpTarget.PASSWORD, "/cert:ignore", "/sec:tls", "/size:800x600", "-clipboard"))
                .redirectErrorStream(true).redirectOutput(xrdp.dir.resolve("xfreerdp-" + relayPort + ".out").toFile())
                .start();
        try {
            Poll.until(Duration.ofSeconds(90), "xrdp session started through relay port " + relayPort
                    + " (see " + xrdp.dir + ")", () -> xrdp.sessionsStarted() > before || !client.isAlive());
            if (!client.isAlive()) {
                Poll.until(Duration.ofSeconds(5), "xrdp session started (xfreerdp exited; see " + xrdp.dir + ")",
                        () -> xrdp.sessionsStarted() > before);
            }
        } finally {
            client.descendants().forEach(ProcessHandle::destroy);
            client.destroy();
            if (!client.waitFor(10, TimeUnit.SECONDS)) client.destroyForcibly();
        }
        AuditEvent preamble = Poll.value(Duration.ofSeconds(10), "preamble audited", () -> h.events(AuditType.RDP_PREAMBLE)
                .stream().filter(e -> relayPort == (int) e.fields().get("frontend_port")).findFirst().orElse(null));
        assertEquals(XrdpTarget.USER, preamble.fields().get("mstshash"));
        assertTrue(((List<?>) preamble.fields().get("requested_protocols")).contains("TLS"));
        h.relay.shutdown(Duration.ofSeconds(5)); // xrdp keeps its side open while the session winds down
        Poll.until(Duration.ofSeconds(10), "relay closed and audited: " + h.events(AuditType.RDP_CLOSED), () -> h.events(AuditType.RDP_CLOSED).stream()
                .anyMatch(e -> relayPort == (int) e.fields().get("frontend_port") && (long) e.fields().get("bytes_to_client") > 1000 && (long) e.fields().get("bytes_from_client") > 1000));
    }

    static ProcessBuilder withDisplay(ProcessBuilder pb) {
        pb.environment().put("DISPLAY", display);
        return pb;
    }

    @Test
    void namedPortReachesXrdpAndStartsADesktopSession() throws Exception {
        try (RelayHarness h = new RelayHarness(RelayHarness.options(),
                List.of(new PortMapping.Named("xrdp-vm", 0, "vm_0", xrdp.port, false)),
                List.of(RelayHarness.target("vm_0", xrdp.host)), Set.of(xrdp.port), "127.0.0.0/8")) {
            loginThrough(h, h.ports.get(0));
        }
    }

    @Test
    void natPoolPortReachesXrdpAndStartsADesktopSession() throws Exception {
        String other = FreePorts.nextLoopbackHost();
        for (int attempt = 0; attempt < 20; attempt++) {
            int start = FreePorts.probeRange("127.0.0.1", 2);
            RelayHarness h;
            try {
                h = new RelayHarness(RelayHarness.options(),
                        List.of(new PortMapping.NatPool("vmss", start, start + 1, xrdp.port, TargetSelector.globs("vmss_*"), false)),
                        List.of(RelayHarness.target("vmss_0", other), RelayHarness.target("vmss_1", xrdp.host)),
                        Set.of(xrdp.port), "127.0.0.0/8");
            } catch (IllegalStateException busy) {
                continue;
            }
            try (h) {
                loginThrough(h, start + 1); // instance 1 is the xrdp one
            }
            return;
        }
        throw new AssertionError("could not bind two consecutive relay ports");
    }
}
