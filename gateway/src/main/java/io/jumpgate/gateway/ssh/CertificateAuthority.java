package io.jumpgate.gateway.ssh;

import io.jumpgate.core.policy.Cidr;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.signature.Signature;

import java.net.InetAddress;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * OpenSSH user certificates signed by a trusted CA: the CA's signature, type user, a principal equal to the
 * gateway user name, the validity window against the injected clock, and critical options (only
 * {@code source-address} is known and enforced; any other critical option refuses the certificate).
 */
public final class CertificateAuthority implements PublicKeyCheck {
    private static final Set<String> KNOWN_CRITICAL = Set.of("source-address");

    private final List<PublicKey> trustedCas;
    private final Set<String> users;
    private final List<NamedFactory<Signature>> signatures;
    private final Clock clock;

    public CertificateAuthority(List<String> trustedCaLines, Set<String> users, List<NamedFactory<Signature>> signatures,
                                Clock clock) {
        List<PublicKey> cas = new ArrayList<>();
        for (String line : trustedCaLines) {
            cas.add(AuthorizedKeys.parse("ssh.trustedUserCaKeys", line));
        }
        this.trustedCas = List.copyOf(cas);
        this.users = Set.copyOf(users);
        // A CA signature made with SHA-1 ("ssh-rsa") is refused, as OpenSSH's CASignatureAlgorithms refuses it.
        this.signatures = SshGateway.withoutSha1Rsa(signatures);
        this.clock = clock;
    }

    @Override
    public KeyVerdict check(String username, PublicKey key, InetAddress source) {
        if (!(key instanceof OpenSshCertificate cert)) {
            throw new IllegalArgumentException("not a certificate");
        }
        SessionContext.Credential c = new SessionContext.Credential("certificate", cert.getKeyType(),
                KeyUtils.getFingerPrint(cert.getCertPubKey()), cert.getId(), cert.getSerial(),
                cert.getExtensionsMap().keySet());
        if (!users.contains(username)) {
            return KeyVerdict.refuse("unknown_user", "no gateway user named '" + username + "'", c);
        }
        PublicKey ca = cert.getCaPubKey();
        if (trustedCas.stream().noneMatch(t -> KeyUtils.compareKeys(t, ca))) {
            return KeyVerdict.refuse("cert_untrusted_ca", "certificate signed by untrusted CA " + KeyUtils.getFingerPrint(ca), c);
        }
        if (!verifySignature(cert)) {
            return KeyVerdict.refuse("cert_bad_signature", "CA signature of certificate '" + cert.getId() + "' does not verify", c);
        }
        if (cert.getType() != OpenSshCertificate.Type.USER) {
            return KeyVerdict.refuse("cert_not_user", "certificate '" + cert.getId() + "' is a host certificate", c);
        }
        Instant now = clock.instant();
        long t = now.getEpochSecond();
        if (Long.compareUnsigned(t, cert.getValidAfter()) < 0) {
            return KeyVerdict.refuse("cert_not_yet_valid", "certificate '" + cert.getId() + "' is valid from "
                    + Instant.ofEpochSecond(cert.getValidAfter()), c);
        }
        if (Long.compareUnsigned(t, cert.getValidBefore()) >= 0) {
            return KeyVerdict.refuse("cert_expired", "certificate '" + cert.getId() + "' expired at "
                    + Instant.ofEpochSecond(cert.getValidBefore()), c);
        }
        if (!cert.getPrincipals().contains(username)) {
            return KeyVerdict.refuse("cert_principal", "certificate '" + cert.getId() + "' principals "
                    + cert.getPrincipals() + " do not include " + username, c);
        }
        for (Map.Entry<String, String> o : cert.getCriticalOptionsMap().entrySet()) {
            if (!KNOWN_CRITICAL.contains(o.getKey())) {
                return KeyVerdict.refuse("cert_critical_option", "certificate '" + cert.getId()
                        + "' has unsupported critical option " + o.getKey(), c);
            }
            if (o.getKey().equals("source-address") && !sourceAllowed(o.getValue(), source)) {
                return KeyVerdict.refuse("cert_source_address", "certificate '" + cert.getId() + "' source-address "
                        + o.getValue() + " does not include " + source.getHostAddress(), c);
            }
        }
        return KeyVerdict.accept(c);
    }

    private boolean verifySignature(OpenSshCertificate cert) {
        try {
            String sigAlg = cert.getSignatureAlgorithm();
            if (!KeyUtils.getKeyType(cert.getCaPubKey()).equals(KeyUtils.getCanonicalKeyType(sigAlg))) {
                return false;
            }
            Signature verifier = NamedFactory.create(signatures, sigAlg);
            if (verifier == null) return false;
            verifier.initVerifier(null, cert.getCaPubKey());
            verifier.update(null, cert.getMessage());
            return verifier.verify(null, cert.getSignature());
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean sourceAllowed(String list, InetAddress source) {
        for (String s : list.split(",")) {
            try {
                if (Cidr.parse(s.trim()).contains(source)) return true;
            } catch (IllegalArgumentException ignored) {
                // an unparsable entry admits nothing
            }
        }
        return false;
    }
}
