package io.jumpgate.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * For peers that cannot bind port 0 and report it (sshd, xrdp): probe a port the kernel hands out on
 * the given loopback address. Other processes may hold ports here, so callers retry on a bind failure.
 */
public final class FreePorts {
    private static final AtomicInteger NEXT_HOST = new AtomicInteger(10 + (int) (ProcessHandle.current().pid() % 200));

    private FreePorts() {}

    public static int probe(String address) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("cannot probe a free port on " + address, e);
        }
    }

    /**
     * The first of {@code count} consecutive ports that are free on {@code address} right now, for port ranges
     * (NAT pools). Picked below the ephemeral range (Linux: 32768+), where client connections and their TIME_WAIT
     * remnants (thousands after a benchmark) never sit; the caller still retries on a bind failure.
     */
    public static int probeRange(String address, int count) {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 200; attempt++) {
            int start = random.nextInt(20_000, 32_000 - count);
            if (free(address, start, count)) return start;
        }
        throw new IllegalStateException("no " + count + " consecutive free ports on " + address + " in 20000..32000");
    }

    private static boolean free(String address, int start, int count) {
        java.util.List<ServerSocket> held = new java.util.ArrayList<>();
        try {
            for (int p = start; p < start + count; p++) {
                ServerSocket s = new ServerSocket();
                held.add(s);
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(InetAddress.getByName(address), p));
            }
            return true;
        } catch (IOException e) {
            return false;
        } finally {
            for (ServerSocket s : held) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // probing only
                }
            }
        }
    }

    /** A distinct 127.0.0.x address to stand for one private instance (x in 10..250). */
    public static String nextLoopbackHost() {
        int x = NEXT_HOST.getAndIncrement();
        return "127.0.0." + (10 + (x - 10) % 240);
    }
}
