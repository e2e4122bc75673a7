package io.jumpgate.gateway;

import io.jumpgate.core.util.IpLiterals;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The gateway's own addresses, never forwarding destinations: the listen address and every non-loopback
 * interface address (a second NIC or a bridge is the gateway too, whatever it listens on).
 */
public final class GatewayAddresses {
    private GatewayAddresses() {}

    public static Set<InetAddress> of(String listenHost) {
        InetAddress listen = IpLiterals.require(listenHost);
        Set<InetAddress> out = new LinkedHashSet<>();
        out.add(listen);
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                // Loopback addresses are refused as loopback already (and 127.0.0.x stand for instances in tests).
                if (!ni.isLoopback()) out.addAll(Collections.list(ni.getInetAddresses()));
            }
        } catch (SocketException e) {
            throw new IllegalStateException("cannot list local interface addresses: " + e.getMessage(), e);
        }
        return out;
    }
}
