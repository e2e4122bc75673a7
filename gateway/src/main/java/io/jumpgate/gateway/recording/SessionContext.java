package io.jumpgate.gateway.recording;

import java.util.Objects;

/**
 * What a recorded session needs to know about the gateway SSH connection it runs in.
 *
 * @param sessionId the gateway session id (the same one the connection's audit events carry)
 * @param user      the authenticated gateway user
 * @param source    the client's {@code ip:port}
 */
public record SessionContext(String sessionId, String user, String source) {
    public SessionContext {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(user, "user");
    }
}
