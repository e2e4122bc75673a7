package io.jumpgate.gateway;

import io.jumpgate.config.JumpgateConfig;
import io.jumpgate.config.azure.AzureClients;
import io.jumpgate.config.azure.BlobArchiveSettings;
import io.jumpgate.config.azure.BlobRecordingArchive;
import io.jumpgate.config.azure.NsgJitSettings;
import io.jumpgate.config.azure.NsgJustInTime;
import io.jumpgate.config.grants.GrantStores;
import io.jumpgate.config.grants.JdbcGrantStore;
import io.jumpgate.config.inventory.Inventories;
import io.jumpgate.core.grant.GrantMaintenance;
import io.jumpgate.core.grant.GrantService;
import io.jumpgate.core.recording.LocalDirectoryArchive;
import io.jumpgate.core.recording.RecordingArchive;
import io.jumpgate.gateway.jit.JitCommand;
import io.jumpgate.gateway.jit.NsgNetworkAccess;
import io.jumpgate.gateway.recording.RecordedSessions;
import io.jumpgate.rdp.RdpRelay;
import io.jumpgate.core.audit.AuditEvent;
import io.jumpgate.core.audit.AuditSink;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.JsonLinesAuditLog;
import io.jumpgate.core.audit.Outcome;
import io.jumpgate.core.target.Inventory;
import io.jumpgate.gateway.command.GatewayCommands;
import io.jumpgate.gateway.ssh.SshGateway;
import io.jumpgate.gateway.ssh.SshSessions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The running gateway, wired from the configuration: audit log, inventory (static and Azure), grant store and
 * service with its sweep, the SSH front end with its commands ({@code info}, {@code jit}) and recorded
 * sessions, and the RDP relay when ports are mapped.
 *
 * <pre>
 * Gateway gw = Gateway.builder(config).build();   // opens the audit log, stores, host key
 * gw.start();                                     // binds SSH and RDP ports, audits gateway.started
 * gw.close();                                     // audits gateway.stopped, unbinds, closes what it opened (audit last)
 * </pre>
 */
public final class Gateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    /** How long a stop waits for recorded sessions to audit their end (each closes its recording: fsync, hash). */
    private static final Duration RECORDED_SESSIONS_DRAIN = Duration.ofSeconds(10);

    private final GatewayServices services;
    private final GatewayCommands commands;
    private final SshGateway ssh;
    private final RdpRelay rdp;
    private final GrantService grants;
    private final RecordedSessions recorded;
    private final List<AutoCloseable> owned;
    private List<Integer> rdpPorts = List.of();
    private boolean started;
    private boolean closed;

    private Gateway(GatewayServices services, GatewayCommands commands, SshGateway ssh, RdpRelay rdp, GrantService grants,
                    RecordedSessions recorded, List<AutoCloseable> owned) {
        this.services = services;
        this.commands = commands;
        this.ssh = ssh;
        this.rdp = rdp;
        this.grants = grants;
        this.recorded = recorded;
        this.owned = owned;
    }

    public static Builder builder(JumpgateConfig config) {
        return new Builder(config);
    }

    public GatewayServices services() {
        return services;
    }

    public GatewayCommands commands() {
        return commands;
    }

    public SshGateway ssh() {
        return ssh;
    }

    /** The RDP relay, when the config maps RDP ports. */
    public Optional<RdpRelay> rdp() {
        return Optional.ofNullable(rdp);
    }

    /** The RDP relay's bound ports (after {@link #start()}), in mapping order. */
    public List<Integer> rdpPorts() {
        return rdpPorts;
    }

    /** The just-in-time grant service. */
    public GrantService grants() {
        return grants;
    }

    public synchronized Gateway start() throws IOException {
        try {
            ssh.start();
        } catch (IOException | RuntimeException e) {
            close(); // nothing listens: what build() opened (audit log lock, grant store, threads) is let go
            throw e;
        }
        started = true;
        if (rdp != null) {
            try {
                rdpPorts = rdp.start();
            } catch (RuntimeException e) {
                close();
                throw new IOException(e.getMessage(), e);
            }
        }
        try {
            services.audit().emit(AuditEvent.builder(AuditType.GATEWAY_STARTED, services.clock().instant())
                    .source(SshSessions.hostPort(ssh.address())).field("hostKey", ssh.hostKeyFingerprint()).build());
        } catch (RuntimeException e) {
            close();
            throw new IOException("cannot write the audit log, not starting: " + e.getMessage(), e);
        }
        LOG.info("jumpgate SSH listening on {} (host key {})", SshSessions.hostPort(ssh.address()), ssh.hostKeyFingerprint());
        return this;
    }

    /** Audits the stop, unbinds and closes what the gateway opened (the audit log last). Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        // Recorded sessions end first, telling their users why, so that each one's end and recording hash are
        // audited before the gateway's stop (and before the audit log closes); then again for any that started
        // meanwhile, which closing the SSH server has ended.
        endRecordedSessions();
        try {
            ssh.close();
        } catch (IOException e) {
            LOG.warn("stopping the SSH server: {}", e.getMessage());
        }
        endRecordedSessions();
        if (rdp != null && !rdpPorts.isEmpty()) {
            rdp.close();
        }
        if (started) {
            try {
                services.audit().emit(AuditEvent.builder(AuditType.GATEWAY_STOPPED, services.clock().instant())
                        .outcome(Outcome.INFO, "ok").build());
            } catch (RuntimeException e) {
                LOG.error("cannot audit the gateway stop: {}", e.getMessage());
            }
        }
        for (int i = owned.size() - 1; i >= 0; i--) {
            try {
                owned.get(i).close();
            } catch (Exception e) {
                LOG.warn("closing {}: {}", owned.get(i), e.getMessage());
            }
        }
    }

    private void endRecordedSessions() {
        if (!recorded.endAll("the gateway is shutting down", RECORDED_SESSIONS_DRAIN)) {
            LOG.warn("recorded sessions still ending after {} s; their closing audit events may be missing",
                    RECORDED_SESSIONS_DRAIN.toSeconds());
        }
    }

    /** Builds a gateway; anything not given is made from the configuration (and closed with the gateway). */
    public static final class Builder {
        private final JumpgateConfig config;
        private Clock clock = Clock.systemUTC();
        private AuditSink audit;
        private Inventory inventory;
        private AzureClients azureClients;

        private Builder(JumpgateConfig config) {
            this.config = config;
        }

        public Builder clock(Clock c) {
            this.clock = c;
            return this;
        }

        /** A sink the caller owns (default: the hash-chained log at {@code audit.file}, owned by the gateway). */
        public Builder audit(AuditSink a) {
            this.audit = a;
            return this;
        }

        /** An inventory the caller owns (default: the config's static targets and Azure scale sets). */
        public Builder inventory(Inventory i) {
            this.inventory = i;
            return this;
        }

        /** Azure Resource Manager clients to use (default: made from {@code inventory.azure}); e.g. a test endpoint. */
        public Builder azureClients(AzureClients c) {
            this.azureClients = c;
            return this;
        }

        public Gateway build() throws IOException {
            List<AutoCloseable> owned = new ArrayList<>();
            privateDirectory(config.dataDir());
            try {
                AuditSink a = audit;
                if (a == null) {
                    JsonLinesAuditLog log = own(owned, new JsonLinesAuditLog(config.audit().file(), config.audit().fsync()));
                    own(owned, new AuditAnchors(log).start(AuditAnchors.EVERY)); // closed before the log, after the stop's event
                    a = log;
                }
                Inventories.Built built = inventory != null ? null : Inventories.open(config, a, clock, azureClients);
                Inventory inv = inventory != null ? inventory : own(owned, built.inventory());
                JdbcGrantStore store = own(owned, GrantStores.open(config.grants()));
                GrantService grantService = new GrantService(store, config.roles(), inv::snapshot, a, clock);
                GatewayServices services = new GatewayServices(config, clock, a, inv,
                        GatewayAddresses.of(config.ssh().listenHost()), grantService.lookup());
                GatewayCommands commands = new GatewayCommands();
                NsgNetworkAccess nsg = nsgJit(owned, built, inv, a, grantService);
                JitCommand jit = new JitCommand(grantService, nsg);
                commands.register("jit", (ctx, args, in, out, err) -> jit.run(ctx.user(), ctx.source().getAddress(),
                        args, printer(out), printer(err)));
                RecordedSessions recorded = own(owned, RecordedSessions.fromConfig(config.sessions(), config.recordings(),
                        archive(owned, a), a, clock));
                commands.targetSessions(new RecordedTargetSessions(services, recorded));
                RdpRelay relay = config.rdp().mappings().isEmpty() ? null : RdpWiring.relay(config.rdp(), inv, services, a, clock);
                if (config.limits().terminateOnExpiry()) {
                    grantService.addListener(g -> {
                        int cut = services.connections().terminate(g.id());
                        if (relay != null) cut += relay.terminateGrant(g.id(), "grant " + g.id() + " ended: " + g.state());
                        LOG.info("grant {} ended ({}): {} connection(s) closed", g.id(), g.state(), cut);
                    });
                }
                own(owned, new GrantMaintenance(grantService, config.grants().pollInterval()).start());
                return new Gateway(services, commands, new SshGateway(services, commands), relay, grantService, recorded, owned);
            } catch (IOException | RuntimeException e) {
                for (int i = owned.size() - 1; i >= 0; i--) {
                    try {
                        owned.get(i).close();
                    } catch (Exception ignored) {
                        // reporting the first problem
                    }
                }
                throw e;
            }
        }

        /** NSG just-in-time rules for {@code jit request --mode nsg}, when {@code inventory.azure.nsgJit} enables them. */
        private NsgNetworkAccess nsgJit(List<AutoCloseable> owned, Inventories.Built built, Inventory inv, AuditSink a,
                                        GrantService grantService) {
            NsgJitSettings settings = config.inventory().azure() == null ? null : config.inventory().azure().nsgJit();
            if (settings == null || built == null || built.azure().isEmpty() || built.clients().isEmpty()) return null;
            NsgJustInTime jit = new NsgJustInTime(built.clients().get(), settings.gatewayId(), a, clock);
            NsgNetworkAccess access = own(owned, new NsgNetworkAccess(jit, built.azure().get(), inv::snapshot, a, clock));
            // A rule found at start whose grant is no longer open (revoked while this gateway was down) goes at once.
            jit.start(settings.sweepInterval(),
                    id -> grantService.find(id).map(g -> !g.stateAt(clock.instant()).open()).orElse(true));
            grantService.addListener(access);
            return access;
        }

        /** Where finished recordings go: Azure Blob Storage when configured, else the local recordings directory. */
        private RecordingArchive archive(List<AutoCloseable> owned, AuditSink a) throws IOException {
            BlobArchiveSettings blob = config.recordings().azureBlob();
            if (blob == null) {
                return new LocalDirectoryArchive(config.recordings().dir());
            }
            BlobRecordingArchive archive = own(owned, new BlobRecordingArchive(
                    BlobRecordingArchive.containerClient(blob, AzureClients.httpClient(java.net.http.HttpClient.newBuilder()),
                            BlobRecordingArchive.defaultRetry()),
                    config.recordings().dir().resolve("spool"), a, clock, Duration.ofSeconds(2), Duration.ofMinutes(5)));
            archive.start();
            return archive;
        }

        private static <T extends AutoCloseable> T own(List<AutoCloseable> owned, T resource) {
            owned.add(resource);
            return resource;
        }

        private static PrintStream printer(OutputStream out) {
            return new PrintStream(out, true, StandardCharsets.UTF_8);
        }
    }

    /**
     * The data directory, private to the gateway's user: created 0700, and an existing one that others may enter is
     * made 0700 (with a warning). What it holds must not be readable by other local users: the grant database's
     * {@code .lock.db}, for one, names the port and key of its local server, with which anyone could write grants.
     */
    static void privateDirectory(Path dir) throws IOException {
        Set<PosixFilePermission> owner = PosixFilePermissions.fromString("rwx------");
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(owner));
                return;
            }
            Set<PosixFilePermission> now = Files.getPosixFilePermissions(dir);
            if (!owner.containsAll(now)) {
                Files.setPosixFilePermissions(dir, owner);
                LOG.warn("data directory {} was open to other users ({}); it is now rwx------", dir,
                        PosixFilePermissions.toString(now));
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to set
        } catch (FileSystemException e) {
            if (!Files.isDirectory(dir)) throw e;
            LOG.warn("data directory {} is open to other users and cannot be made private: {}", dir, e.getMessage());
        }
    }
}
