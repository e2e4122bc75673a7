package io.jumpgate.rdp;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the RDP relay (the gateway translates its config into this).
 *
 * @param listenAddress    address every mapped port binds to
 * @param preambleTimeout  time allowed for the client's X.224 Connection Request
 * @param preambleMaxBytes cap on the Connection Request (TPKT length), checked before buffering
 * @param connectTimeout   time allowed to connect to the target
 * @param idleTimeout      a relay with no traffic either way this long is closed
 * @param maxDuration      a relay is closed after this long; null for no limit
 * @param drainTimeout     on shutdown, how long live relays may continue before they are closed
 */
public record RdpRelayOptions(InetAddress listenAddress, Duration preambleTimeout, int preambleMaxBytes,
                              Duration connectTimeout, Duration idleTimeout, Duration maxDuration,
                              Duration drainTimeout) {
    /** Smallest Connection Request: TPKT header (4) + X.224 CR fixed part (7). */
    public static final int MIN_PREAMBLE_BYTES = 11;

    public RdpRelayOptions {
        Objects.requireNonNull(listenAddress, "listenAddress");
        positive("preambleTimeout", preambleTimeout);
        positive("connectTimeout", connectTimeout);
        positive("idleTimeout", idleTimeout);
        positive("drainTimeout", drainTimeout);
        if (maxDuration != null) positive("maxDuration", maxDuration);
        if (preambleMaxBytes < MIN_PREAMBLE_BYTES || preambleMaxBytes > 65535) {
            throw new IllegalArgumentException("preambleMaxBytes " + preambleMaxBytes + " outside "
                    + MIN_PREAMBLE_BYTES + "..65535");
        }
        if (connectTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("connectTimeout too long");
        }
    }

    /** Defaults matching the config's: 10 s preamble, 1024 bytes, 10 s connect, 1 h idle, no max, 30 s drain. */
    public static RdpRelayOptions defaults(InetAddress listenAddress) {
        return new RdpRelayOptions(listenAddress, Duration.ofSeconds(10), 1024, Duration.ofSeconds(10),
                Duration.ofHours(1), null, Duration.ofSeconds(30));
    }

    private static void positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) throw new IllegalArgumentException(name + " must be positive");
    }
}
