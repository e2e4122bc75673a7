package io.jumpgate.gateway.ssh;

import java.net.InetAddress;
import java.security.PublicKey;

/** One decision: may this key (or certificate) log in as this user from this address? */
public interface PublicKeyCheck {
    KeyVerdict check(String username, PublicKey key, InetAddress source);
}
