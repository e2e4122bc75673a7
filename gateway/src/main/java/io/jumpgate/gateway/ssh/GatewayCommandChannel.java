package io.jumpgate.gateway.ssh;

import io.jumpgate.core.audit.AuditWriteException;
import io.jumpgate.gateway.command.GatewayCommands;
import io.jumpgate.gateway.command.TargetSessions;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Runs one exec or shell request through {@link GatewayCommands} on its own thread. */
final class GatewayCommandChannel implements Command {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayCommandChannel.class);

    private final GatewayCommands commands;
    private final String commandLine;
    private InputStream in;
    private OutputStream out;
    private OutputStream err;
    private ExitCallback exit;
    private Thread thread;
    private Command delegate;

    GatewayCommandChannel(GatewayCommands commands, String commandLine) {
        this.commands = commands;
        this.commandLine = commandLine;
    }

    @Override
    public void setInputStream(InputStream in) {
        this.in = in;
    }

    @Override
    public void setOutputStream(OutputStream out) {
        this.out = out;
    }

    @Override
    public void setErrorStream(OutputStream err) {
        this.err = err;
    }

    @Override
    public void setExitCallback(ExitCallback callback) {
        this.exit = callback;
    }

    @Override
    public void start(ChannelSession channel, Environment env) throws IOException {
        SessionContext base = SshSessions.context(channel.getSession());
        SessionContext ctx = base == null ? null : base.withTerminal(terminal(env));
        if (ctx != null) {
            try {
                delegate = commands.targetSession(ctx, commandLine);
            } catch (TargetSessions.Refused e) {
                exit.onExit(write(err, "jumpgate: " + e.getMessage() + ctx.newline(), 1));
                return;
            } catch (AuditWriteException e) {
                LOG.error("refusing session of {}: {}", ctx.user().name(), e.getMessage());
                exit.onExit(write(err, "jumpgate: refused (the audit log cannot be written)" + ctx.newline(), 1));
                return;
            }
            if (delegate != null) {
                delegate.setInputStream(in);
                delegate.setOutputStream(out);
                delegate.setErrorStream(err);
                delegate.setExitCallback(exit);
                delegate.start(channel, env);
                return;
            }
        }
        thread = new Thread(() -> run(ctx), "jumpgate-command-" + (base == null ? "?" : base.sessionId()));
        thread.setDaemon(true);
        thread.start();
    }

    private void run(SessionContext ctx) {
        int code;
        try {
            code = ctx == null ? 1 : commands.dispatch(ctx, commandLine, in, out, err);
        } catch (AuditWriteException e) {
            LOG.error("refusing command of {}: {}", ctx.user().name(), e.getMessage());
            code = write(err, "jumpgate: refused (the audit log cannot be written)" + ctx.newline(), 1);
        } catch (Exception e) {
            LOG.warn("command '{}' failed", commandLine, e);
            code = write(err, "jumpgate: internal error" + (ctx == null ? "\n" : ctx.newline()), 1);
        }
        try {
            out.flush();
            err.flush();
        } catch (Exception ignored) {
            // the client went away
        }
        exit.onExit(code);
    }

    private static int write(OutputStream s, String text, int code) {
        try {
            s.write(text.getBytes(StandardCharsets.UTF_8));
            s.flush();
        } catch (Exception ignored) {
            // the client went away
        }
        return code;
    }

    private static SessionContext.Terminal terminal(Environment env) {
        if (env.getPtyModes().isEmpty()) {
            return null;
        }
        Map<String, String> e = env.getEnv();
        return new SessionContext.Terminal(e.getOrDefault(Environment.ENV_TERM, "xterm"),
                parse(e.get(Environment.ENV_COLUMNS), 80), parse(e.get(Environment.ENV_LINES), 24));
    }

    private static int parse(String s, int dflt) {
        try {
            return s == null ? dflt : Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    @Override
    public void destroy(ChannelSession channel) throws Exception {
        if (delegate != null) delegate.destroy(channel);
        if (thread != null) thread.interrupt();
    }
}
