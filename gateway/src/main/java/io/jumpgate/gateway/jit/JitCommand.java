package io.jumpgate.gateway.jit;

import io.jumpgate.core.grant.Actor;
import io.jumpgate.core.grant.AuditQueuedException;
import io.jumpgate.core.grant.Grant;
import io.jumpgate.core.grant.GrantException;
import io.jumpgate.core.grant.GrantRequest;
import io.jumpgate.core.grant.GrantService;
import io.jumpgate.core.grant.GrantState;
import io.jumpgate.core.grant.GrantStoreException;
import io.jumpgate.core.policy.Cidr;
import io.jumpgate.core.policy.Ports;
import io.jumpgate.core.policy.User;
import io.jumpgate.core.util.Durations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * The {@code jit} command users run over SSH ({@code ssh gw jit request web_0 --for 1h}). Independent of the SSH
 * server: it gets the authenticated user, the connection's source address, the arguments and two streams, and
 * returns the exit status (0 done, 1 refused or failed, 2 usage error). Human-readable output by default,
 * {@code --json} for scripts (errors then also as JSON on stdout).
 */
public final class JitCommand {
    public static final int OK = 0;
    public static final int REFUSED = 1;
    public static final int USAGE = 2;
    private static final Logger log = LoggerFactory.getLogger(JitCommand.class);

    private final GrantService service;
    private final NetworkAccess nsg;

    public JitCommand(GrantService service) {
        this(service, null);
    }

    /** @param nsg what {@code --mode nsg} opens (null: that mode is refused as not enabled) */
    public JitCommand(GrantService service, NetworkAccess nsg) {
        this.service = service;
        this.nsg = nsg;
    }

    /** @param args the words after {@code jit} (a leading {@code jit} is accepted too) */
    public int run(User user, InetAddress connectionSource, List<String> args, PrintStream out, PrintStream err) {
        return run(new Context(service, Actor.user(user), user, connectionSource, out, err, nsg), args);
    }

    /** For operators on the gateway host ({@code jumpgate grants}): everything but {@code request}. */
    public int runAsOperator(String unixUser, List<String> args, PrintStream out, PrintStream err) {
        return runAsOperator(Actor.operator(unixUser), args, out, err);
    }

    /** @param operator an {@link Actor#operator} */
    public int runAsOperator(Actor operator, List<String> args, PrintStream out, PrintStream err) {
        if (!operator.operator()) throw new IllegalArgumentException(operator.name() + " is not an operator");
        return run(new Context(service, operator, null, null, out, err, nsg), args);
    }

    private static int run(Context ctx, List<String> args) {
        List<String> a = !args.isEmpty() && args.get(0).equals("jit") ? args.subList(1, args.size()) : args;
        CommandLine cmd = new CommandLine(new Root());
        if (ctx.user() != null) cmd.addSubcommand(new CommandLine(new RequestCmd(ctx)));
        cmd.addSubcommand(new CommandLine(new ListCmd(ctx)))
                .addSubcommand(new CommandLine(new ApproveCmd(ctx)))
                .addSubcommand(new CommandLine(new DenyCmd(ctx)))
                .addSubcommand(new CommandLine(new RevokeCmd(ctx)));
        // Remote users type these words: picocli's default @file expansion would read gateway files for them
        // (keys, config) and echo them back in its error messages. Set after every subcommand is added.
        cmd.setExpandAtFiles(false);
        cmd.setOut(new PrintWriter(ctx.out(), true));
        cmd.setErr(new PrintWriter(ctx.err(), true));
        cmd.setExecutionExceptionHandler((e, c, parsed) -> ctx.failed(e, c.getCommand()));
        return cmd.execute(a.toArray(String[]::new));
    }

    /** Splits an SSH exec command line into words: whitespace separates, single and double quotes group. */
    public static List<String> words(String commandLine) {
        List<String> out = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < commandLine.length(); i++) {
            char c = commandLine.charAt(i);
            if (quote != 0) {
                if (c == quote) quote = 0;
                else if (c == '\\' && quote == '"' && i + 1 < commandLine.length()) w.append(commandLine.charAt(++i));
                else w.append(c);
            } else if (c == '"' || c == '\'') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) out.add(w.toString());
                w.setLength(0);
                inWord = false;
            } else {
                if (c == '\\' && i + 1 < commandLine.length()) c = commandLine.charAt(++i);
                w.append(c);
                inWord = true;
            }
        }
        if (quote != 0) throw new IllegalArgumentException("unterminated " + quote + " quote");
        if (inWord) out.add(w.toString());
        return out;
    }

    /** @param user the requesting user (null for operators, who do not request) */
    private record Context(GrantService service, Actor actor, User user, InetAddress source, PrintStream out, PrintStream err,
                           NetworkAccess nsg) {

        int failed(Exception e, Object command) {
            boolean json = command instanceof Scripted s && s.json();
            String code;
            String message;
            if (e instanceof GrantException g) {
                code = g.kind().code();
                message = g.getMessage();
            } else if (e instanceof NetworkAccess.Refused n) {
                code = n.code();
                message = n.getMessage();
            } else if (e instanceof AuditQueuedException) {
                code = "audit_queued";
                message = e.getMessage();
            } else if (e instanceof GrantStoreException) {
                log.warn("jit command failed for {}: {}", actor.name(), e.toString());
                code = "unavailable";
                message = "the grant store is unavailable; try again shortly";
            } else if (e instanceof IllegalArgumentException) {
                code = "invalid_argument";
                message = e.getMessage();
            } else {
                log.error("jit command failed for {}", actor.name(), e);
                code = "internal_error";
                message = "internal error";
            }
            if (json) GrantPrinter.errorJson(out, code, message);
            err.println("jit: " + message);
            return e instanceof IllegalArgumentException ? USAGE : REFUSED;
        }

        /** Runs a change that stands even when its audit event could not be written (then queued); says so on stderr. */
        Grant standing(java.util.function.Supplier<Grant> change) {
            try {
                return change.get();
            } catch (AuditQueuedException q) {
                err.println("jit: " + q.getMessage());
                return q.grant();
            }
        }

        void show(Grant g, boolean json, String headline) {
            Instant now = service.now();
            if (json) {
                GrantPrinter.grantJson(out, g, now);
            } else {
                out.println(headline);
                out.println(GrantPrinter.line(g, now));
            }
        }
    }

    private interface Scripted {
        boolean json();
    }

    @Command(name = "jit", mixinStandardHelpOptions = true, description = {
            "Just-in-time access: ask for a limited time of access to one target from your address.",
            "  jit request web_0 --port ssh --for 1h --reason \"INC-42\"",
            "  jit list | jit approve ID | jit deny ID --reason \"...\" | jit revoke ID"})
    static final class Root implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getErr());
            return USAGE;
        }
    }

    abstract static class Sub implements Callable<Integer>, Scripted {
        final Context ctx;
        @Option(names = "--json", description = "print JSON for scripts")
        boolean json;

        Sub(Context ctx) {
            this.ctx = ctx;
        }

        @Override
        public boolean json() {
            return json;
        }
    }

    @Command(name = "request", mixinStandardHelpOptions = true,
            description = "Ask for access to TARGET; bound to your connection's address unless --from.")
    static final class RequestCmd extends Sub {
        @Parameters(index = "0", paramLabel = "TARGET", description = "target name")
        String target;
        @Option(names = {"-p", "--port"}, paramLabel = "PORT", split = ",", defaultValue = "ssh",
                description = "ssh, rdp or a number; repeat or separate with commas (default: ssh)")
        List<String> ports;
        @Option(names = {"-t", "--for"}, paramLabel = "DURATION", required = true, description = "e.g. 30m, 1h, 1h30m")
        String duration;
        @Option(names = {"-r", "--reason"}, paramLabel = "TEXT", description = "why (some roles require it)")
        String reason;
        @Option(names = "--from", paramLabel = "CIDR", description = "source block instead of your address (if your role allows)")
        String from;
        @Option(names = "--mode", paramLabel = "MODE", defaultValue = "gateway",
                description = "gateway (default): the gateway admits you; nsg: also open the target's Azure NSG to your address")
        String mode;

        RequestCmd(Context ctx) {
            super(ctx);
        }

        @Override
        public Integer call() {
            Set<Integer> p = new LinkedHashSet<>();
            for (String s : ports) p.add(Ports.parse(s));
            Duration d = Durations.parse(duration);
            Cidr cidr = from == null ? null : Cidr.parse(from);
            boolean network = switch (mode) {
                case "gateway" -> false;
                case "nsg" -> true;
                default -> throw new IllegalArgumentException("--mode is gateway or nsg, not '" + mode + "'");
            };
            if (network) {
                if (ctx.nsg() == null) {
                    throw new NetworkAccess.Refused("nsg_jit_disabled", "--mode nsg is not enabled on this gateway");
                }
                ctx.nsg().check(target, p);
            }
            Grant g = ctx.service().request(new GrantRequest(ctx.user(), target, p, d, reason, cidr, ctx.source()));
            String opened = network ? openNetwork(g) : null;
            String headline = g.state() == GrantState.PENDING
                    ? "Grant " + g.id() + " is pending approval; it starts when approved and lasts " + Durations.format(g.duration()) + "."
                    : "Grant " + g.id() + " is active: connect now (e.g. ssh -J <gateway> " + g.target() + ")."
                    + (opened == null ? "" : "\n" + opened);
            ctx.show(g, json, headline);
            return OK;
        }

        /**
         * All or nothing: when the rule cannot be opened (or the grant awaits approval), the grant is withdrawn; when the
         * grant ended while the rule was being opened (revoked meanwhile), the rule is removed again.
         */
        private String openNetwork(Grant g) {
            if (g.state() == GrantState.PENDING) {
                ctx.service().revoke(ctx.actor(), g.id(), "--mode nsg needs a grant without approval");
                throw new NetworkAccess.Refused("approval_required", "--mode nsg is only for roles that grant without approval;"
                        + " request " + g.id() + " withdrawn");
            }
            String opened;
            try {
                opened = ctx.nsg().open(g);
            } catch (RuntimeException e) {
                String outcome = ended(g).isPresent() ? "grant " + g.id() + " has ended" : revoke(g);
                throw e instanceof NetworkAccess.Refused r ? new NetworkAccess.Refused(r.code(), r.getMessage() + "; " + outcome)
                        : new NetworkAccess.Refused("nsg_failed", "the NSG rule could not be opened; " + outcome);
            }
            // The end's own clean-up (a grant listener) may have run before the rule existed.
            Optional<Grant> ended;
            try {
                ended = ended(g);
            } catch (GrantStoreException e) {
                ended = Optional.empty(); // the rule is open; NsgJustInTime refuses an open after a close by itself
            }
            if (ended.isPresent()) {
                ctx.nsg().withdraw(ended.get());
                throw new NetworkAccess.Refused("grant_ended", "grant " + g.id() + " was "
                        + ended.get().stateAt(ctx.service().now()).code() + " while its NSG rule was being opened; the rule is removed");
            }
            return opened;
        }

        private String revoke(Grant g) {
            ctx.service().revoke(ctx.actor(), g.id(), "NSG rule not opened");
            return "grant " + g.id() + " revoked";
        }

        /** The grant as stored now, if it is no longer open (revoked or expired meanwhile). */
        private Optional<Grant> ended(Grant g) {
            return ctx.service().find(g.id()).filter(now -> !now.stateAt(ctx.service().now()).open());
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Your open grants and those waiting for your approval; --all adds ended ones.")
    static final class ListCmd extends Sub {
        @Option(names = {"-a", "--all"}, description = "include denied, revoked and expired grants")
        boolean all;

        ListCmd(Context ctx) {
            super(ctx);
        }

        @Override
        public Integer call() {
            List<Grant> grants = ctx.service().list(ctx.actor(), all);
            if (json) GrantPrinter.listJson(ctx.out(), grants, ctx.service().now());
            else GrantPrinter.list(ctx.out(), grants, ctx.service().now());
            return OK;
        }
    }

    @Command(name = "approve", mixinStandardHelpOptions = true, description = "Approve a pending grant (approvers only).")
    static final class ApproveCmd extends Sub {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        ApproveCmd(Context ctx) {
            super(ctx);
        }

        @Override
        public Integer call() {
            Grant g = ctx.service().approve(ctx.actor(), id);
            ctx.show(g, json, "Approved grant " + g.id() + " for " + g.user() + ".");
            return OK;
        }
    }

    @Command(name = "deny", mixinStandardHelpOptions = true, description = "Deny a pending grant (approvers only).")
    static final class DenyCmd extends Sub {
        @Parameters(index = "0", paramLabel = "ID")
        String id;
        @Option(names = {"-r", "--reason"}, paramLabel = "TEXT", required = true, description = "told to the requester")
        String reason;

        DenyCmd(Context ctx) {
            super(ctx);
        }

        @Override
        public Integer call() {
            Grant g = ctx.standing(() -> ctx.service().deny(ctx.actor(), id, reason));
            ctx.show(g, json, "Denied grant " + g.id() + " of " + g.user() + ".");
            return OK;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "End a grant now (yours, or one you may approve); withdraws a pending request.")
    static final class RevokeCmd extends Sub {
        @Parameters(index = "0", paramLabel = "ID")
        String id;
        @Option(names = {"-r", "--reason"}, paramLabel = "TEXT")
        String reason;

        RevokeCmd(Context ctx) {
            super(ctx);
        }

        @Override
        public Integer call() {
            Grant g = ctx.standing(() -> ctx.service().revoke(ctx.actor(), id, reason));
            ctx.show(g, json, "Revoked grant " + g.id() + ".");
            return OK;
        }
    }
}
