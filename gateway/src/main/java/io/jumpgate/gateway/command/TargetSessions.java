package io.jumpgate.gateway.command;

import io.jumpgate.gateway.ssh.SessionContext;
import org.apache.sshd.server.command.Command;

/**
 * Opens a terminal session to a target through the gateway ({@code ssh -t gw TARGET [command]}): the gateway
 * re-originates SSH to the target and records it. One decision: which session command bridges it.
 */
public interface TargetSessions {
    /**
     * @param target  the name the user typed
     * @param command the remote command, or null for a login shell
     * @return the MINA command that bridges the session
     * @throws Refused with the user-facing message when policy refuses (already audited)
     */
    Command open(SessionContext ctx, String target, String command) throws Refused;

    /** The session is refused; the message is shown to the user, the full reason is in audit. */
    final class Refused extends Exception {
        public Refused(String message) {
            super(message);
        }
    }
}
