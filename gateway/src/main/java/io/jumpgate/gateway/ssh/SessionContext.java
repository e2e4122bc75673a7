package io.jumpgate.gateway.ssh;

import io.jumpgate.core.audit.AuditEvent;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.policy.User;
import io.jumpgate.gateway.GatewayServices;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Who is on an authenticated SSH session, and with what. Command handlers receive it (with the channel's
 * terminal, if the client asked for one) and use it to audit with the shared metadata.
 *
 * @param sessionId  gateway session id (shared by every audit event of the connection)
 * @param user       the authenticated gateway user
 * @param source     client address and port
 * @param credential how the user authenticated
 * @param services   the gateway's shared services (policy, inventory, audit, clock)
 * @param terminal   the channel's pseudo-terminal, or null when none was requested
 */
public record SessionContext(String sessionId, User user, InetSocketAddress source, Credential credential,
                             GatewayServices services, Terminal terminal) {
    public SessionContext {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(credential, "credential");
        Objects.requireNonNull(services, "services");
    }

    /**
     * @param method      {@code publickey} or {@code certificate}
     * @param keyType     e.g. {@code ssh-ed25519}
     * @param fingerprint SHA256 fingerprint of the user's key (the certified key for certificates)
     * @param certId      certificate key id, or null
     * @param certSerial  certificate serial, or null
     */
    public record Credential(String method, String keyType, String fingerprint, String certId, Long certSerial,
                             java.util.Set<String> permissions) {
        public static final String PERMIT_PORT_FORWARDING = "permit-port-forwarding";
        public static final String PERMIT_PTY = "permit-pty";

        public Credential {
            permissions = permissions == null ? null : java.util.Set.copyOf(permissions);
        }

        public Credential(String method, String keyType, String fingerprint, String certId, Long certSerial) {
            this(method, keyType, fingerprint, certId, certSerial, null);
        }

        /**
         * Does the credential permit {@code extension} ({@code permit-port-forwarding}, {@code permit-pty})? A plain key
         * permits everything its roles allow; a certificate only what its issuer wrote in it, as sshd reads it.
         */
        public boolean permits(String extension) {
            return permissions == null || permissions.contains(extension);
        }
    }

    /** A pseudo-terminal requested with {@code ssh -t}. */
    public record Terminal(String term, int columns, int rows) {}

    public SessionContext withTerminal(Terminal t) {
        return new SessionContext(sessionId, user, source, credential, services, t);
    }

    /** {@code ip:port} of the client. */
    public String sourceText() {
        return SshSessions.hostPort(source);
    }

    /** Line ending for text output: a terminal needs CR LF. */
    public String newline() {
        return terminal == null ? "\n" : "\r\n";
    }

    /** An audit event with this session's shared metadata filled in. */
    public AuditEvent.Builder event(AuditType type) {
        return AuditEvent.builder(type, services.clock().instant()).session(sessionId).user(user.name()).source(sourceText());
    }

    /** Writes the event; throws {@code AuditWriteException} so the caller refuses what it was about to do. */
    public void audit(AuditEvent.Builder event) {
        services.audit().emit(event.build());
    }
}
