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

    /** A distinct 127.0.0.x address to stand for one private instance (x in 10..250). */
    public static String nextLoopbackHost() {
        int x = NEXT_HOST.getAndIncrement();
        return "127.0.0." + (10 + (x - 10) % 240);
    }
}
