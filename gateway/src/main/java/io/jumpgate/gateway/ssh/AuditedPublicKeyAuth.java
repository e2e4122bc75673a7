package io.jumpgate.gateway.ssh;

import io.jumpgate.core.audit.AuditEvent;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.AuditWriteException;
import io.jumpgate.core.audit.Outcome;
import io.jumpgate.core.policy.User;
import io.jumpgate.gateway.GatewayServices;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.server.auth.UserAuth;
import org.apache.sshd.server.auth.UserAuthFactory;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKey;
import org.apache.sshd.server.session.ServerSession;
import org.apache.sshd.common.util.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.security.PublicKey;
import java.security.SignatureException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * MINA's public-key method with the gateway's key decision in front of it and audit behind it: a key that is
 * refused is audited {@code auth.failed} with the reason; a verified signature is audited
 * {@code auth.succeeded} and only then does the login succeed (if that write fails, the login fails).
 */
final class AuditedPublicKeyAuth extends UserAuthPublicKey {
    private static final Logger LOG = LoggerFactory.getLogger(AuditedPublicKeyAuth.class);

    /** Refused keys on this connection; like OpenSSH's MaxAuthTries, {@code limits.maxAuthAttempts} of them end it. */
    private static final AttributeRepository.AttributeKey<AtomicInteger> FAILURES = new AttributeRepository.AttributeKey<>();

    private final GatewayServices services;
    private final PublicKeyCheck check;

    AuditedPublicKeyAuth(GatewayServices services, PublicKeyCheck check) {
        this.services = services;
        this.check = check;
    }

    static UserAuthFactory factory(GatewayServices services, PublicKeyCheck check) {
        return new UserAuthFactory() {
            @Override
            public String getName() {
                return NAME;
            }

            @Override
            public UserAuth createUserAuth(ServerSession session) {
                return new AuditedPublicKeyAuth(services, check);
            }
        };
    }

    @Override
    public Boolean doAuth(Buffer buffer, boolean init) throws Exception {
        ServerSession session = getServerSession();
        String username = getUsername();
        int start = buffer.rpos();
        boolean hasSig;
        PublicKey key;
        try {
            hasSig = buffer.getBoolean();
            buffer.getString(); // algorithm
            key = buffer.getPublicKey();
        } catch (Exception e) {
            failed(session, username, "unsupported_key", "cannot parse the offered key: " + e.getMessage(), null);
            return Boolean.FALSE;
        } finally {
            buffer.rpos(start);
        }
        KeyVerdict v = check.check(username, key, SshSessions.clientAddress(session).getAddress());
        if (!v.accepted()) {
            failed(session, username, v.code(), v.detail(), v.credential());
            return Boolean.FALSE;
        }
        Boolean result;
        try {
            result = super.doAuth(buffer, init);
        } catch (SignatureException e) {
            failed(session, username, "bad_signature", "signature of " + v.credential().fingerprint() + " does not verify",
                    v.credential());
            throw e;
        }
        if (!Boolean.TRUE.equals(result) || !hasSig) {
            return result;
        }
        User user = services.user(username).orElseThrow();
        SessionContext ctx = new SessionContext(SshSessions.sessionId(session), user, SshSessions.clientAddress(session),
                v.credential(), services, null);
        try {
            ctx.audit(credentialFields(ctx.event(AuditType.AUTH_SUCCEEDED), v.credential()));
        } catch (AuditWriteException e) {
            LOG.error("refusing login of {}: {}", username, e.getMessage());
            return Boolean.FALSE;
        }
        session.setAttribute(SshSessions.CONTEXT, ctx);
        return Boolean.TRUE;
    }

    private void failed(ServerSession session, String username, String code, String detail, SessionContext.Credential c) {
        AuditEvent.Builder e = SshSessions.event(session, AuditType.AUTH_FAILED, services.clock())
                .user(username).outcome(Outcome.DENIED, code).field("detail", detail);
        try {
            services.audit().emit(credentialFields(e, c).build());
        } catch (AuditWriteException ex) {
            LOG.error("cannot audit a failed login of {}: {}", username, ex.getMessage());
        }
        int failures = session.computeAttributeIfAbsent(FAILURES, k -> new AtomicInteger()).incrementAndGet();
        if (failures >= services.config().limits().maxAuthAttempts()) {
            try {
                session.disconnect(SshConstants.SSH2_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE,
                        "too many authentication failures");
            } catch (IOException ex) {
                session.close(true);
            }
        }
    }

    private static AuditEvent.Builder credentialFields(AuditEvent.Builder e, SessionContext.Credential c) {
        if (c == null) return e.field("method", "publickey");
        return e.field("method", c.method()).field("keyType", c.keyType()).field("fingerprint", c.fingerprint())
                .field("certId", c.certId()).field("certSerial", c.certSerial());
    }
}
