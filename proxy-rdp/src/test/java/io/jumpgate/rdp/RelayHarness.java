package io.jumpgate.rdp;

import io.jumpgate.core.access.GrantLookup;
import io.jumpgate.core.audit.AuditEvent;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.MemoryAuditSink;
import io.jumpgate.core.policy.AccessPolicy;
import io.jumpgate.core.policy.Cidr;
import io.jumpgate.core.policy.JitPolicy;
import io.jumpgate.core.policy.RecordingMode;
import io.jumpgate.core.policy.Role;
import io.jumpgate.core.policy.TargetSelector;
import io.jumpgate.core.target.InventorySnapshot;
import io.jumpgate.core.target.Target;
import io.jumpgate.core.util.IpLiterals;
import io.jumpgate.testkit.Poll;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/** A relay on 127.0.0.1 with a swappable inventory and a policy admitting given source blocks on given ports. */
final class RelayHarness implements AutoCloseable {
    static final InetAddress LISTEN = IpLiterals.require("127.0.0.1");
    final AtomicReference<InventorySnapshot> inventory = new AtomicReference<>();
    final AtomicReference<AccessPolicy> policy = new AtomicReference<>();
    final MemoryAuditSink audit = new MemoryAuditSink();
    /** Events of this type cannot be written (the audit sink throws), as on a full disk. */
    volatile io.jumpgate.core.audit.AuditType failing;
    /** Runs as each event is being written (on the writer's thread), before it is. */
    volatile java.util.function.Consumer<io.jumpgate.core.audit.AuditEvent> beforeEmit;
    final RdpRelay relay;
    final List<Integer> ports;

    RelayHarness(RdpRelayOptions options, List<PortMapping> mappings, List<Target> targets, Set<Integer> backendPorts,
                 String... admittedCidrs) {
        inventory.set(InventorySnapshot.of(targets, Instant.now()));
        Role role = new Role("rdp-users", TargetSelector.globs("*"), backendPorts,
                java.util.Arrays.stream(admittedCidrs).map(Cidr::parse).toList(), JitPolicy.NONE, RecordingMode.OFF);
        policy.set(new AccessPolicy(Map.of(role.name(), role), Map.of(), Set.of(), GrantLookup.NONE));
        io.jumpgate.core.audit.AuditSink sink = new io.jumpgate.core.audit.AuditSink() {
            @Override
            public void emit(io.jumpgate.core.audit.AuditEvent e) {
                java.util.function.Consumer<io.jumpgate.core.audit.AuditEvent> hook = beforeEmit;
                if (hook != null) hook.accept(e);
                if (e.type() == failing) throw new io.jumpgate.core.audit.AuditWriteException("disk full (test)", null);
                audit.emit(e);
            }
        };
        relay = new RdpRelay(options, mappings, inventory::get, policy::get, sink, Clock.systemUTC());
        ports = relay.start();
    }

    static RdpRelayOptions options() {
        return new RdpRelayOptions(LISTEN, Duration.ofSeconds(5), 1024, Duration.ofSeconds(2), Duration.ofSeconds(30),
                null, Duration.ofSeconds(1));
    }

    static Target target(String name, String ip) {
        return Target.of(name, IpLiterals.require(ip));
    }

    void setTargets(List<Target> targets) {
        inventory.set(InventorySnapshot.of(targets, Instant.now()));
    }

    /** A client connected to relay port {@code index} from source address {@code sourceIp}. */
    Socket connect(int index, String sourceIp) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(sourceIp), 0));
        s.connect(new InetSocketAddress(LISTEN, ports.get(index)), 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    AuditEvent awaitEvent(AuditType type) {
        return Poll.value(Duration.ofSeconds(10), type.eventName() + " audited",
                () -> audit.matching(e -> e.type() == type).stream().findFirst().orElse(null));
    }

    List<AuditEvent> events(AuditType type) {
        return audit.matching(e -> e.type() == type);
    }

    @Override
    public void close() {
        relay.shutdown(Duration.ZERO);
    }
}
