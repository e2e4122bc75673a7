package io.jumpgate.gateway;

import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.AuditWriteException;
import io.jumpgate.core.audit.Outcome;
import io.jumpgate.core.policy.Decision;
import io.jumpgate.core.target.Target;
import io.jumpgate.gateway.command.TargetSessions;
import io.jumpgate.gateway.recording.RecordedSession;
import io.jumpgate.gateway.recording.RecordedSessions;
import io.jumpgate.gateway.ssh.SessionContext;
import org.apache.sshd.server.command.Command;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ssh -t gw TARGET [command]}: decides with the access policy for the target's SSH port, then hands the
 * channel to a recorded session that re-originates SSH to the target.
 */
final class RecordedTargetSessions implements TargetSessions {
    private static final Logger LOG = LoggerFactory.getLogger(RecordedTargetSessions.class);
    private final GatewayServices services;
    private final RecordedSessions recorded;

    RecordedTargetSessions(GatewayServices services, RecordedSessions recorded) {
        this.services = services;
        this.recorded = recorded;
    }

    @Override
    public Command open(SessionContext ctx, String target, String command) throws Refused {
        int port = services.config().sessions().port();
        Decision d = services.policy().forUser(ctx.user(), target, port, ctx.source().getAddress(),
                services.inventory().snapshot());
        if (d instanceof Decision.Deny deny) {
            Target t = deny.target();
            ctx.audit(ctx.event(AuditType.FORWARD_DENIED).outcome(Outcome.DENIED, deny.reason().code())
                    .target(t == null ? target : t.name(), t == null ? null : t.addressText(), port)
                    .field("requested", target).field("kind", "recorded").field("detail", deny.detail()));
            throw new Refused("administratively prohibited");
        }
        Decision.Allow allow = (Decision.Allow) d;
        RecordedSession session = recorded.create(new io.jumpgate.gateway.recording.SessionContext(ctx.sessionId(),
                ctx.user().name(), ctx.sourceText()), allow, command);
        if (allow.grantId() != null) {
            // Like jump channels: cut when the grant ends, if limits.terminateOnExpiry.
            Runnable cut = () -> {
                try {
                    ctx.audit(ctx.event(AuditType.CONNECTION_TERMINATED).outcome(Outcome.INFO, "grant_ended")
                            .target(allow.target().name(), allow.target().addressText(), port)
                            .field("kind", "recorded").field("grant", allow.grantId()));
                } catch (AuditWriteException e) {
                    LOG.error("cannot audit the end of a recorded session: {}", e.getMessage());
                }
                session.end("grant " + allow.grantId() + " ended; this session has been closed");
            };
            LiveConnections.Registration tracked = services.connections().register(allow.grantId(), cut,
                    () -> services.stillAdmittedBy(allow.grantId(), ctx.user(), target, port, ctx.source().getAddress()));
            if (tracked.ended()) cut.run(); // the grant ended while the session was being admitted
            session.whenFinished(tracked::close);
        }
        return session;
    }
}
