package io.jumpgate.gateway;

import io.jumpgate.config.RdpSettings;
import io.jumpgate.core.audit.AuditSink;
import io.jumpgate.core.target.Inventory;
import io.jumpgate.core.util.IpLiterals;
import io.jumpgate.rdp.PortMapping;
import io.jumpgate.rdp.RdpRelay;
import io.jumpgate.rdp.RdpRelayOptions;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** Translates the {@code rdp:} config section into the relay's own values (proxy-rdp does not read config). */
final class RdpWiring {
    static final Duration DRAIN = Duration.ofSeconds(30);

    private RdpWiring() {}

    static RdpRelay relay(RdpSettings rdp, Inventory inventory, GatewayServices services, AuditSink audit, Clock clock) {
        RdpRelayOptions opts = new RdpRelayOptions(IpLiterals.require(rdp.listenHost()), rdp.preambleTimeout(),
                rdp.preambleMaxBytes(), rdp.connectTimeout(), rdp.idleTimeout(), rdp.maxDuration(), DRAIN);
        List<PortMapping> mappings = rdp.mappings().stream().map(RdpWiring::mapping).toList();
        return new RdpRelay(opts, mappings, inventory::snapshot, services::policy, audit, clock);
    }

    private static PortMapping mapping(RdpSettings.Mapping m) {
        if (m instanceof RdpSettings.NatPool p) {
            return new PortMapping.NatPool(p.name(), p.frontendPortStart(), p.frontendPortEnd(), p.backendPort(),
                    p.selector(), p.raw());
        }
        RdpSettings.Named n = (RdpSettings.Named) m;
        return new PortMapping.Named(n.name(), n.port(), n.target(), n.backendPort(), n.raw());
    }
}
