package io.jumpgate.gateway.ssh;

import io.jumpgate.core.audit.AuditEvent;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.util.IpLiterals;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.session.Session;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Clock;
import java.time.Instant;

/** Per-connection state kept on the MINA session, and the audit metadata of connections not yet authenticated. */
public final class SshSessions {
    static final AttributeKey<String> SESSION_ID = new AttributeKey<>();
    static final AttributeKey<Instant> OPENED_AT = new AttributeKey<>();
    static final AttributeKey<SessionContext> CONTEXT = new AttributeKey<>();

    private SshSessions() {}

    /** The authenticated context of {@code session}, or null before authentication. */
    public static SessionContext context(Session session) {
        return session.getAttribute(CONTEXT);
    }

    public static String sessionId(Session session) {
        return session.getAttribute(SESSION_ID);
    }

    public static InetSocketAddress clientAddress(Session session) {
        SocketAddress a = session.getIoSession().getRemoteAddress();
        return a instanceof InetSocketAddress i ? i : new InetSocketAddress(0);
    }

    public static String hostPort(InetSocketAddress a) {
        return IpLiterals.hostPort(a);
    }

    /** An audit event with the connection's metadata: the context's when authenticated, else id and source. */
    static AuditEvent.Builder event(Session session, AuditType type, Clock clock) {
        SessionContext ctx = context(session);
        if (ctx != null) {
            return ctx.event(type);
        }
        return AuditEvent.builder(type, clock.instant()).session(sessionId(session))
                .source(hostPort(clientAddress(session)));
    }
}
