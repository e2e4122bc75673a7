package io.jumpgate.gateway.ssh;

import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.AuditWriteException;
import io.jumpgate.gateway.GatewayServices;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;

/**
 * Gives every connection a session id and audits {@code session.opened} / {@code session.closed}. A
 * connection whose opening cannot be audited is closed at once (fail closed).
 */
final class SessionAuditor implements SessionListener {
    private static final Logger LOG = LoggerFactory.getLogger(SessionAuditor.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private final GatewayServices services;

    SessionAuditor(GatewayServices services) {
        this.services = services;
    }

    static String newSessionId() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return "ssh-" + HexFormat.of().formatHex(b);
    }

    @Override
    public void sessionCreated(Session session) {
        session.setAttribute(SshSessions.SESSION_ID, newSessionId());
        session.setAttribute(SshSessions.OPENED_AT, services.clock().instant());
        try {
            services.audit().emit(SshSessions.event(session, AuditType.SESSION_OPENED, services.clock()).build());
        } catch (AuditWriteException e) {
            LOG.error("closing connection from {}: {}", SshSessions.hostPort(SshSessions.clientAddress(session)), e.getMessage());
            session.close(true);
        }
    }

    @Override
    public void sessionClosed(Session session) {
        Instant opened = session.getAttribute(SshSessions.OPENED_AT);
        Instant now = services.clock().instant();
        try {
            services.audit().emit(SshSessions.event(session, AuditType.SESSION_CLOSED, services.clock())
                    .field("durationMs", opened == null ? null : Duration.between(opened, now).toMillis()).build());
        } catch (AuditWriteException e) {
            LOG.error("cannot audit the end of session {}: {}", SshSessions.sessionId(session), e.getMessage());
        }
    }
}
