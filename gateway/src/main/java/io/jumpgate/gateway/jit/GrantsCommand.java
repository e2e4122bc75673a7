package io.jumpgate.gateway.jit;

import io.jumpgate.config.ConfigException;
import io.jumpgate.config.ConfigLoader;
import io.jumpgate.config.JumpgateConfig;
import io.jumpgate.config.grants.GrantStores;
import io.jumpgate.config.grants.JdbcGrantStore;
import io.jumpgate.core.audit.AuditJson;
import io.jumpgate.core.audit.JsonLinesAuditLog;
import io.jumpgate.core.grant.Actor;
import io.jumpgate.core.grant.GrantService;
import io.jumpgate.core.grant.GrantStoreException;
import io.jumpgate.core.target.InventorySnapshot;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code jumpgate grants [--config FILE] list|approve|deny|revoke …}: operators on the gateway host act on the
 * grant store directly, as {@code operator:<unix user>} (the invoking user behind sudo when there is one; the audit
 * records the process's user and {@code SUDO_USER} too).
 * Works while the gateway runs (PostgreSQL, or H2 through its loopback auto-server); running gateways see the
 * change within {@code grants.pollInterval}. Audited to {@code operator-audit.jsonl} beside the gateway's audit log
 * (a hash chain has one writer) unless {@code --audit} names another file.
 */
@Command(name = "grants", description = {"Operator access to just-in-time grants.",
        "  jumpgate grants --config /etc/jumpgate/jumpgate.yaml list [--all] [--json]",
        "  jumpgate grants approve ID | deny ID --reason TEXT | revoke ID [--reason TEXT]"})
public final class GrantsCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = "/etc/jumpgate/jumpgate.yaml",
            description = "gateway configuration (default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = "--audit", paramLabel = "FILE", description = "audit log for operator actions")
    Path audit;

    @CommandLine.Unmatched
    List<String> words = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintStream out = stream(spec.commandLine().getOut());
        PrintStream err = stream(spec.commandLine().getErr());
        JumpgateConfig cfg;
        try {
            cfg = ConfigLoader.load(config);
        } catch (ConfigException e) {
            err.println("jumpgate grants: " + e.getMessage());
            return JitCommand.USAGE;
        }
        Path auditFile = audit != null ? audit : cfg.audit().file().resolveSibling("operator-audit.jsonl");
        try (JdbcGrantStore store = GrantStores.open(cfg.grants());
             JsonLinesAuditLog log = new JsonLinesAuditLog(auditFile, true, java.time.Duration.ofSeconds(10))) {
            GrantService service = new GrantService(store, cfg.roles(),
                    () -> InventorySnapshot.of(cfg.inventory().staticTargets(), Clock.systemUTC().instant()), log, Clock.systemUTC());
            int code = new JitCommand(service).runAsOperator(operator(cfg.dataDir()), words, out, err);
            // No maintenance rounds here to retry a queued event: one last try, then it goes to the operator.
            if (service.writeQueuedAudit() > 0) {
                err.println("jumpgate grants: the change stands, but its audit event could not be written to " + auditFile
                        + "; keep this record of it:");
                service.queuedAudit().forEach(e -> {
                    StringBuilder b = new StringBuilder("{");
                    AuditJson.appendBody(b, e);
                    err.println(b.append('}'));
                });
                return JitCommand.REFUSED;
            }
            return code;
        } catch (GrantStoreException | IOException e) {
            err.println("jumpgate grants: " + e.getMessage());
            return JitCommand.REFUSED;
        }
    }

    /** The person at the keyboard: {@code SUDO_USER} when it can be believed (see below), else the process's user. */
    static Actor operator(Path dataDir) {
        String processUser = System.getProperty("user.name", "unknown");
        String sudoUser = System.getenv("SUDO_USER");
        return Actor.operator(operatorName(sudoUser, processUid(), ownerUid(dataDir), processUser), processUser,
                sudoUser == null || sudoUser.isBlank() ? null : sudoUser);
    }

    /**
     * {@code SUDO_USER} is believed when the process runs as root, or as the owner of the data directory (the README's
     * {@code sudo -u jumpgate jumpgate grants ...}): anyone can set the variable, but only sudo (or someone who already
     * is that user, and so can write the grant database anyway) makes such a process. Otherwise it would let a user
     * approve their own grant under another name.
     *
     * @param dataDirOwner uid owning the data directory, or -1 when unknown
     */
    static String operatorName(String sudoUser, long uid, long dataDirOwner, String processUser) {
        boolean trusted = uid == 0 || (uid >= 0 && uid == dataDirOwner);
        return trusted && sudoUser != null && !sudoUser.isBlank() ? sudoUser : processUser;
    }

    /** The uid owning {@code dir}, or -1 when unknown (missing, or not a POSIX file system). */
    static long ownerUid(Path dir) {
        try {
            return ((Number) java.nio.file.Files.getAttribute(dir, "unix:uid")).longValue();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** This process's real uid (Linux {@code /proc}), or -1 when unknown. */
    static long processUid() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) return Long.parseLong(line.substring(4).trim().split("\\s+")[0]);
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    /** A PrintStream over picocli's writer (so {@code CommandLine.setOut} works), decoding whole UTF-8 writes on flush. */
    private static PrintStream stream(java.io.PrintWriter w) {
        return new PrintStream(new java.io.ByteArrayOutputStream() {
            @Override
            public synchronized void flush() {
                w.write(toString(java.nio.charset.StandardCharsets.UTF_8));
                w.flush();
                reset();
            }
        }, true, java.nio.charset.StandardCharsets.UTF_8);
    }
}
