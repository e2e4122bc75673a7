package io.jumpgate.gateway.recording;

import io.jumpgate.core.target.Target;
import org.apache.sshd.client.session.ClientSession;

import java.security.GeneralSecurityException;

/** How the gateway proves itself to a target. Strategies: {@link IdentityKeyAuthenticator}, {@link SessionCertificateAuthenticator}. */
public interface TargetAuthenticator {
    /** Adds the identity to offer for this session (called before {@code auth()}). */
    void addIdentity(ClientSession session, SessionContext ctx, Target target, String login) throws GeneralSecurityException;

    /** A hint shown to the user when the target refuses the identity. */
    String refusalHint();
}
