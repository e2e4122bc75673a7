package io.jumpgate.gateway.recording;

import io.jumpgate.core.target.Target;
import org.apache.sshd.client.session.ClientSession;

import java.security.KeyPair;

/** Logs in with the gateway's identity key, which operators install in the login's authorized_keys on targets. */
public final class IdentityKeyAuthenticator implements TargetAuthenticator {
    private final KeyPair identity;

    public IdentityKeyAuthenticator(KeyPair identity) {
        this.identity = identity;
    }

    @Override
    public void addIdentity(ClientSession session, SessionContext ctx, Target target, String login) {
        session.addPublicKeyIdentity(identity);
    }

    @Override
    public String refusalHint() {
        return "is the gateway identity key in that login's authorized_keys?";
    }
}
