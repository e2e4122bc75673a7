package io.jumpgate.gateway.ssh;

import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.AuditWriteException;
import io.jumpgate.core.audit.Outcome;
import io.jumpgate.core.policy.DenyReason;
import io.jumpgate.core.util.IpLiterals;
import io.jumpgate.gateway.GatewayServices;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.server.forward.ForwardingFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything but direct-tcpip is refused and audited: remote forwarding ({@code ssh -R}), agent forwarding,
 * X11. Direct-tcpip is decided by {@link JumpChannel}, which hands MINA only an inventory address literal.
 */
final class GatewayForwardingFilter implements ForwardingFilter {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayForwardingFilter.class);
    private final GatewayServices services;

    GatewayForwardingFilter(GatewayServices services) {
        this.services = services;
    }

    @Override
    public boolean canForwardAgent(Session session, String requestType) {
        return refuse(session, requestType, "agent forwarding is disabled", null, 0);
    }

    @Override
    public boolean canForwardX11(Session session, String requestType) {
        return refuse(session, requestType, "X11 forwarding is disabled", null, 0);
    }

    @Override
    public boolean canListen(SshdSocketAddress address, Session session) {
        return refuse(session, "tcpip-forward", "remote forwarding (ssh -R) is disabled", address.getHostName(),
                address.getPort());
    }

    @Override
    public boolean canConnect(Type type, SshdSocketAddress address, Session session) {
        // JumpChannel has decided and replaced the host by the target's address; never let MINA resolve a name.
        return type == Type.Direct && IpLiterals.parse(address.getHostName()).isPresent();
    }

    /** Audits a refused request (also for other refusals, e.g. stream-local forwarding) and returns false. */
    boolean refuse(Session session, String request, String detail, String host, int port) {
        try {
            services.audit().emit(SshSessions.event(session, AuditType.FORWARD_DENIED, services.clock())
                    .outcome(Outcome.DENIED, DenyReason.FORWARDING_DISABLED.code())
                    .target(host, null, host == null ? null : port).field("request", request).field("detail", detail).build());
        } catch (AuditWriteException e) {
            LOG.error("cannot audit refused {}: {}", request, e.getMessage());
        }
        return false;
    }
}
