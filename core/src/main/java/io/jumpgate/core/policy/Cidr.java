package io.jumpgate.core.policy;

import io.jumpgate.core.util.IpLiterals;

import java.net.InetAddress;
import java.util.Objects;

/** An address block such as {@code 10.0.0.0/8} or {@code 2001:db8::/32}; a bare address is a /32 or /128. */
public record Cidr(InetAddress network, int prefix) {
    public Cidr {
        Objects.requireNonNull(network, "network");
        int max = network.getAddress().length * 8;
        if (prefix < 0 || prefix > max) {
            throw new IllegalArgumentException("prefix /" + prefix + " out of range 0.." + max);
        }
        byte[] b = network.getAddress();
        for (int bit = prefix; bit < max; bit++) {
            if ((b[bit / 8] & (0x80 >> (bit % 8))) != 0) {
                throw new IllegalArgumentException("host bits set in " + network.getHostAddress() + "/" + prefix);
            }
        }
    }

    public static Cidr parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("not a CIDR: null");
        }
        String s = text.trim();
        int slash = s.indexOf('/');
        InetAddress addr = IpLiterals.parse(slash < 0 ? s : s.substring(0, slash))
                .orElseThrow(() -> new IllegalArgumentException("not a CIDR: '" + text + "'"));
        int max = addr.getAddress().length * 8;
        int prefix = max;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a CIDR: '" + text + "'");
            }
        }
        return new Cidr(addr, prefix);
    }

    public static Cidr host(InetAddress a) {
        return new Cidr(a, a.getAddress().length * 8);
    }

    public boolean contains(InetAddress a) {
        byte[] n = network.getAddress();
        byte[] x = a.getAddress();
        if (n.length != x.length) {
            return false;
        }
        int full = prefix / 8, rem = prefix % 8;
        for (int i = 0; i < full; i++) {
            if (n[i] != x[i]) return false;
        }
        if (rem == 0) return true;
        int mask = (0xff << (8 - rem)) & 0xff;
        return (n[full] & mask) == (x[full] & mask);
    }

    /** True when every address of {@code other} is inside this block. */
    public boolean covers(Cidr other) {
        return other.prefix >= prefix && contains(other.network);
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefix;
    }
}
