package io.jumpgate.gateway;

import io.jumpgate.config.JumpgateConfig;
import io.jumpgate.config.inventory.StaticInventory;
import io.jumpgate.core.access.GrantLookup;
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
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The running gateway: shared services plus the SSH front end. Other front ends (RDP relay, JIT grant
 * service, recorded sessions) take {@link #services()} and register commands on {@link #commands()}.
 *
 * <pre>
 * Gateway gw = Gateway.builder(config).build();   // opens the audit log, loads the host key
 * gw.commands().register("jit", handler);         // before or after start
 * gw.start();                                     // binds, audits gateway.started
 * gw.close();                                     // audits gateway.stopped, unbinds, closes the audit log
 * </pre>
 */
public final class Gateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

    private final GatewayServices services;
    private final GatewayCommands commands;
    private final SshGateway ssh;
    private final List<AutoCloseable> owned;
    private boolean started;
    private boolean closed;

    private Gateway(GatewayServices services, GatewayCommands commands, SshGateway ssh, List<AutoCloseable> owned) {
        this.services = services;
        this.commands = commands;
        this.ssh = ssh;
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

    public synchronized Gateway start() throws IOException {
        ssh.start();
        started = true;
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
        try {
            ssh.close();
        } catch (IOException e) {
            LOG.warn("stopping the SSH server: {}", e.getMessage());
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

    /** Builds a gateway; anything not given is made from the configuration (and closed with the gateway). */
    public static final class Builder {
        private final JumpgateConfig config;
        private Clock clock = Clock.systemUTC();
        private AuditSink audit;
        private Inventory inventory;
        private GrantLookup grants = GrantLookup.NONE;

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

        /** An inventory the caller owns (default: the config's static targets). */
        public Builder inventory(Inventory i) {
            this.inventory = i;
            return this;
        }

        public Builder grants(GrantLookup g) {
            this.grants = g;
            return this;
        }

        public Gateway build() throws IOException {
            List<AutoCloseable> owned = new ArrayList<>();
            AuditSink a = audit;
            if (a == null) {
                a = new JsonLinesAuditLog(config.audit().file(), config.audit().fsync());
                owned.add(a);
            }
            try {
                Inventory inv = inventory != null ? inventory
                        : new StaticInventory(config.inventory().staticTargets(), clock.instant());
                GatewayServices services = new GatewayServices(config, clock, a, inv,
                        GatewayAddresses.of(config.ssh().listenHost()), grants);
                GatewayCommands commands = new GatewayCommands();
                return new Gateway(services, commands, new SshGateway(services, commands), owned);
            } catch (IOException | RuntimeException e) {
                for (AutoCloseable c : owned) {
                    try {
                        c.close();
                    } catch (Exception ignored) {
                        // reporting the first problem
                    }
                }
                throw e;
            }
        }
    }
}
