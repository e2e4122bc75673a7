package io.jumpgate.gateway.ssh;

import org.apache.sshd.certificate.OpenSshCertificateBuilder;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.signature.BuiltinSignatures;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The certificate checks against an injected clock, CA list and the connection's source address. */
class CertificateAuthorityTest {
    static {
        KeyFiles.class.getName(); // JDK providers for bulk crypto, as in the gateway
    }

    static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
    final KeyPair ca = generate();
    final KeyPair otherCa = generate();
    final KeyPair user = generate();

    static KeyPair generate() {
        try {
            return KeyUtils.generateKeyPair("ssh-ed25519", 256);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    CertificateAuthority authority(Instant now) {
        return new CertificateAuthority(List.of(PublicKeyEntry.toString(ca.getPublic())), Set.of("alice"),
                List.copyOf(BuiltinSignatures.VALUES), Clock.fixed(now, ZoneOffset.UTC));
    }

    OpenSshCertificateBuilder cert() {
        return OpenSshCertificateBuilder.userCertificate().publicKey(user.getPublic()).serial(7).id("alice-1")
                .principals(List.of("alice")).validAfter(NOW.minusSeconds(3600)).validBefore(NOW.plusSeconds(3600));
    }

    String verdict(OpenSshCertificate c, Instant now, String user, String source) throws Exception {
        return authority(now).check(user, c, InetAddress.getByName(source)).code();
    }

    @Test
    void validCertificate() throws Exception {
        OpenSshCertificate c = cert().sign(ca);
        KeyVerdict v = authority(NOW).check("alice", c, InetAddress.getByName("127.0.0.1"));
        assertEquals("ok", v.code());
        assertEquals("alice-1", v.credential().certId());
        assertEquals(7L, v.credential().certSerial());
        assertEquals(KeyUtils.getFingerPrint(user.getPublic()), v.credential().fingerprint());
    }

    @Test
    void aCaSignatureMadeWithSha1IsRefusedAndSha2Accepted() throws Exception {
        KeyPair rsaCa = KeyUtils.generateKeyPair("ssh-rsa", 2048);
        CertificateAuthority a = new CertificateAuthority(List.of(PublicKeyEntry.toString(rsaCa.getPublic())), Set.of("alice"),
                List.copyOf(BuiltinSignatures.VALUES), Clock.fixed(NOW, ZoneOffset.UTC));
        InetAddress here = InetAddress.getByName("127.0.0.1");
        assertEquals("cert_bad_signature", a.check("alice", cert().sign(rsaCa, "ssh-rsa"), here).code());
        assertEquals("ok", a.check("alice", cert().sign(rsaCa, "rsa-sha2-512"), here).code());
    }

    @Test
    void theCertificatesExtensionsAreItsPermissions() throws Exception {
        KeyVerdict none = authority(NOW).check("alice", cert().sign(ca), InetAddress.getByName("127.0.0.1"));
        assertFalse(none.credential().permits("permit-port-forwarding"), "no extensions: nothing permitted, as in sshd");
        KeyVerdict fwd = authority(NOW).check("alice", cert().extensions(List.of(
                new OpenSshCertificate.CertificateOption("permit-port-forwarding"))).sign(ca), InetAddress.getByName("127.0.0.1"));
        assertTrue(fwd.credential().permits("permit-port-forwarding"));
        assertFalse(fwd.credential().permits("permit-pty"));
    }

    @Test
    void validityWindowFollowsTheInjectedClock() throws Exception {
        OpenSshCertificate c = cert().sign(ca);
        assertEquals("cert_not_yet_valid", verdict(c, NOW.minusSeconds(7200), "alice", "127.0.0.1"));
        assertEquals("cert_expired", verdict(c, NOW.plusSeconds(3600), "alice", "127.0.0.1"));
        assertEquals("ok", verdict(c, NOW.plusSeconds(3599), "alice", "127.0.0.1"));
    }

    @Test
    void refusals() throws Exception {
        assertEquals("cert_untrusted_ca", verdict(cert().sign(otherCa), NOW, "alice", "127.0.0.1"));
        assertEquals("cert_principal", verdict(cert().principals(List.of("bob")).sign(ca), NOW, "alice", "127.0.0.1"));
        assertEquals("unknown_user", verdict(cert().sign(ca), NOW, "mallory", "127.0.0.1"));
        assertEquals("cert_not_user", verdict(OpenSshCertificateBuilder.hostCertificate().publicKey(user.getPublic())
                .id("h").principals(List.of("alice")).validAfter(NOW.minusSeconds(60)).validBefore(NOW.plusSeconds(60))
                .sign(ca), NOW, "alice", "127.0.0.1"));
        assertEquals("cert_critical_option", verdict(cert().criticalOption("force-command", "/bin/true").sign(ca), NOW,
                "alice", "127.0.0.1"));
        OpenSshCertificate fromTen = cert().criticalOption("source-address", "10.0.0.0/8").sign(ca);
        assertEquals("cert_source_address", verdict(fromTen, NOW, "alice", "127.0.0.1"));
        assertEquals("ok", verdict(fromTen, NOW, "alice", "10.1.2.3"));
    }
}
