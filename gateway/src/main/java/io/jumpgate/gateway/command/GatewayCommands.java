package io.jumpgate.gateway.command;

import io.jumpgate.core.audit.AuditText;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.Outcome;
import io.jumpgate.core.policy.DenyReason;
import io.jumpgate.core.target.InventorySnapshot;
import io.jumpgate.core.target.Target;
import io.jumpgate.gateway.ssh.SessionContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What {@code ssh gw [COMMAND …]} does: no command (or {@code info}) prints who you are and what you may
 * reach; a registered first word ({@code jit}) runs its handler; the name of a target the user may reach
 * opens a recorded session through {@link TargetSessions} ({@code ssh -t gw web_0}); anything else is an
 * unknown command (exit 2). There is never a shell on the gateway.
 */
public final class GatewayCommands {
    public static final int EXIT_USAGE = 2;

    private final Map<String, CommandHandler> handlers = new ConcurrentHashMap<>();
    private volatile TargetSessions targetSessions;

    public GatewayCommands() {
        handlers.put("info", new InfoCommand());
    }

    /** Registers {@code handler} for commands whose first word is {@code word} (replacing any before). */
    public GatewayCommands register(String word, CommandHandler handler) {
        if (!word.matches("[a-z][a-z0-9-]{0,31}")) {
            throw new IllegalArgumentException("command word must be lower case letters, digits and '-': " + word);
        }
        handlers.put(word, handler);
        return this;
    }

    /** Sets how {@code ssh -t gw TARGET [command]} opens a recorded session (default: none, refused). */
    public GatewayCommands targetSessions(TargetSessions sessions) {
        this.targetSessions = sessions;
        return this;
    }

    /**
     * If {@code commandLine} names a target (its first word is no registered command) and recorded sessions are
     * enabled, the session command that bridges it; null otherwise (then {@link #dispatch} runs the command).
     */
    public org.apache.sshd.server.command.Command targetSession(SessionContext ctx, String commandLine)
            throws TargetSessions.Refused {
        TargetSessions ts = targetSessions;
        String line = commandLine == null ? "" : commandLine.strip();
        if (ts == null || line.isEmpty()) return null;
        String first = firstWord(line);
        if (handlers.containsKey(first.toLowerCase(Locale.ROOT))) return null;
        // A target outside the user's roles falls through to "unknown command": its existence is not confirmed.
        if (visibleTarget(ctx, first).isEmpty()) return null;
        String rest = line.substring(first.length()).strip();
        return ts.open(ctx, first, rest.isEmpty() ? null : rest);
    }

    public Map<String, CommandHandler> handlers() {
        return new TreeMap<>(handlers);
    }

    /**
     * Runs {@code commandLine} (null or blank for a shell request) and returns the exit status. A refused command
     * line is audited {@code command.refused} (denied) with the reason; the user sees only "unknown command" for
     * a target outside their roles, so its existence is not confirmed.
     */
    public int dispatch(SessionContext ctx, String commandLine, InputStream in, OutputStream out, OutputStream err)
            throws IOException {
        List<String> words;
        try {
            words = CommandLineWords.split(commandLine == null ? "" : commandLine);
        } catch (IllegalArgumentException e) {
            return refuse(ctx, err, "bad_command_line", firstWord(commandLine), null, EXIT_USAGE, e.getMessage());
        }
        String first = words.isEmpty() ? "info" : words.get(0);
        // Defence in depth: no handler gets an "@file" word (argument-file expansion in a parser would read
        // files on the gateway for the remote user).
        if (words.stream().anyMatch(w -> w.startsWith("@"))) {
            return refuse(ctx, err, "argument_file", first, null, EXIT_USAGE, "arguments starting with '@' are not accepted");
        }
        CommandHandler h = handlers.get(first.toLowerCase(Locale.ROOT));
        List<String> args = words.isEmpty() ? List.of() : words.subList(1, words.size());
        if (h == null) {
            var snapshot = ctx.services().inventory().snapshot();
            Optional<Target> target = snapshot.resolve(first);
            if (target.filter(t -> visible(ctx, snapshot, t)).isEmpty()) {
                return refuse(ctx, err, target.isEmpty() ? "unknown_command" : DenyReason.NOT_IN_ROLE.code(), first,
                        target.orElse(null), EXIT_USAGE, "unknown command '" + first + "' (commands: "
                                + String.join(", ", handlers().keySet()) + ", or a target name with ssh -t)");
            }
            // A target, but no TargetSessions installed (targetSession() would have taken it).
            return refuse(ctx, err, "recorded_sessions_disabled", first, target.get(), 1,
                    "recorded sessions are not enabled on this gateway");
        }
        ctx.audit(ctx.event(AuditType.COMMAND_EXECUTED).field("command", first).field("args", args.size())
                .field("tty", ctx.terminal() != null));
        return h.run(ctx, args, in, out, err);
    }

    /** The target {@code name} resolves to, when the user may reach it with some role. */
    private static Optional<Target> visibleTarget(SessionContext ctx, String name) {
        var snapshot = ctx.services().inventory().snapshot();
        return snapshot.resolve(name).filter(t -> visible(ctx, snapshot, t));
    }

    private static boolean visible(SessionContext ctx, InventorySnapshot snapshot, Target t) {
        return ctx.services().policy().visibleTargets(ctx.user(), snapshot).contains(t);
    }

    /** Audits the refusal ({@code code}, what was typed, the target it named if any), then tells the user. */
    private static int refuse(SessionContext ctx, OutputStream err, String code, String command, Target target,
                              int exit, String message) throws IOException {
        var event = ctx.event(AuditType.COMMAND_REFUSED).outcome(Outcome.DENIED, code)
                .field("command", AuditText.capped(command)).field("tty", ctx.terminal() != null);
        if (target != null) event.target(target.name(), target.addressText(), null);
        ctx.audit(event);
        err.write(("jumpgate: " + message + ctx.newline()).getBytes(StandardCharsets.UTF_8));
        return exit;
    }

    /** The first word of a command line, as typed (up to the first blank). */
    private static String firstWord(String commandLine) {
        String line = commandLine == null ? "" : commandLine.strip();
        int sp = 0;
        while (sp < line.length() && !Character.isWhitespace(line.charAt(sp))) sp++;
        return line.substring(0, sp);
    }
}
