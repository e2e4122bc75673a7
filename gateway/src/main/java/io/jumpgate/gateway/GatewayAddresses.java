package io.jumpgate.gateway;

import io.jumpgate.core.util.IpLiterals;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/** The addresses the gateway answers on: the listen address, or every local interface address for a wildcard. */
public final class GatewayAddresses {
    private GatewayAddresses() {}

    public static Set<InetAddress> of(String listenHost) {
        InetAddress listen = IpLiterals.require(listenHost);
        Set<InetAddress> out = new LinkedHashSet<>();
        out.add(listen);
        if (listen.isAnyLocalAddress()) {
            try {
                for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                    out.addAll(Collections.list(ni.getInetAddresses()));
                }
            } catch (SocketException e) {
                throw new IllegalStateException("cannot list local interface addresses: " + e.getMessage(), e);
            }
        }
        return out;
    }
}
