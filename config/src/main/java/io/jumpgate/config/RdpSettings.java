package io.jumpgate.config;

import io.jumpgate.core.policy.TargetSelector;

import java.time.Duration;
import java.util.List;

/**
 * The RDP relay.
 *
 * @param listenHost       address the relay's ports bind to
 * @param mappings         port mappings
 * @param preambleTimeout  time allowed for the client's X.224 Connection Request
 * @param preambleMaxBytes cap on the Connection Request's size
 * @param connectTimeout   time allowed to connect to the target
 * @param idleTimeout      a relay with no traffic either way this long is closed
 * @param maxDuration      a relay is closed after this long (null: no limit)
 */
public record RdpSettings(String listenHost, List<Mapping> mappings, Duration preambleTimeout, int preambleMaxBytes,
                          Duration connectTimeout, Duration idleTimeout, Duration maxDuration) {
    public RdpSettings {
        mappings = List.copyOf(mappings);
    }

    public static RdpSettings disabled() {
        return new RdpSettings("127.0.0.1", List.of(), Duration.ofSeconds(10), 1024, Duration.ofSeconds(10),
                Duration.ofHours(1), null);
    }

    /** How a listening port finds its target. */
    public sealed interface Mapping {
        String name();

        /** Relay raw TCP without inspecting an RDP preamble (for non-RDP ports and benchmarks). */
        boolean raw();
    }

    /**
     * Azure load-balancer NAT pool style: frontend port {@code start + i} reaches the i-th target matching
     * {@code selector}, in stable instance-id order, on {@code backendPort}.
     */
    public record NatPool(String name, int frontendPortStart, int frontendPortEnd, int backendPort,
                          TargetSelector selector, boolean raw) implements Mapping {}

    /** One port to one named target. */
    public record Named(String name, int port, String target, int backendPort, boolean raw) implements Mapping {}
}
