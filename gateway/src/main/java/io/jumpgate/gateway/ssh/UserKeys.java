package io.jumpgate.gateway.ssh;

import org.apache.sshd.common.config.keys.OpenSshCertificate;

import java.net.InetAddress;
import java.security.PublicKey;

/** Plain keys go to the users' authorized keys, certificates to the trusted CAs. */
public record UserKeys(PublicKeyCheck keys, PublicKeyCheck certificates) implements PublicKeyCheck {
    @Override
    public KeyVerdict check(String username, PublicKey key, InetAddress source) {
        return key instanceof OpenSshCertificate ? certificates.check(username, key, source) : keys.check(username, key, source);
    }
}
