package io.jumpgate.gateway.recording;

import io.jumpgate.core.target.Target;
import org.apache.sshd.certificate.OpenSshCertificateBuilder;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.keyprovider.KeyPairProvider;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Logs in with a fresh key and a short-lived OpenSSH user certificate signed by the gateway user CA, which
 * targets trust with {@code TrustedUserCAKeys}: principal = the mapped login, key id naming user, session and
 * target, valid from a minute ago (clock skew) for {@code validity}, only {@code permit-pty}.
 */
public final class SessionCertificateAuthenticator implements TargetAuthenticator {
    private static final Duration SKEW = Duration.ofMinutes(1);
    private final KeyPair ca;
    private final Duration validity;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public SessionCertificateAuthenticator(KeyPair ca, Duration validity, Clock clock) {
        this.ca = ca;
        this.validity = validity;
        this.clock = clock;
    }

    @Override
    public void addIdentity(ClientSession session, SessionContext ctx, Target target, String login) throws GeneralSecurityException {
        session.addPublicKeyIdentity(issue(ctx, target, login));
    }

    /** A new key pair whose public half is a certificate for {@code login}. */
    public KeyPair issue(SessionContext ctx, Target target, String login) throws GeneralSecurityException {
        KeyPair key = KeyUtils.generateKeyPair(KeyPairProvider.ECDSA_SHA2_NISTP256, 256);
        Instant now = clock.instant();
        try {
            OpenSshCertificate cert = OpenSshCertificateBuilder.userCertificate()
                    .publicKey(key.getPublic())
                    .serial(random.nextLong() & Long.MAX_VALUE)
                    .id("jumpgate user=" + ctx.user() + " session=" + ctx.sessionId() + " target=" + target.name())
                    .principals(List.of(login))
                    .validAfter(now.minus(SKEW))
                    .validBefore(now.plus(validity))
                    .extension("permit-pty", "")
                    .sign(ca);
            return new KeyPair(cert, key.getPrivate());
        } catch (GeneralSecurityException e) {
            throw e;
        } catch (Exception e) {
            throw new GeneralSecurityException("cannot sign session certificate: " + e.getMessage(), e);
        }
    }

    @Override
    public String refusalHint() {
        return "does the target trust the gateway user CA (TrustedUserCAKeys), and are the clocks right?";
    }
}
