package io.jumpgate.gateway.command;

import io.jumpgate.gateway.ssh.SessionContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** One gateway command ({@code ssh gw jit request …}); runs on its own thread, returns the exit status. */
@FunctionalInterface
public interface CommandHandler {
    /**
     * @param ctx  who runs it (user, source, credential, terminal) and the gateway's services
     * @param args the words after the command word (for the target handler: the target name, then the remote command)
     * @param in   the client's stdin
     * @param out  the client's stdout (write {@code ctx.newline()} line endings)
     * @param err  the client's stderr
     */
    int run(SessionContext ctx, java.util.List<String> args, InputStream in, OutputStream out, OutputStream err)
            throws IOException;
}
