package io.jumpgate.gateway.jit;

import io.jumpgate.config.azure.AzureVmssInventory;
import io.jumpgate.config.azure.NsgJustInTime;
import io.jumpgate.core.audit.AuditEvent;
import io.jumpgate.core.audit.AuditSink;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.Outcome;
import io.jumpgate.core.grant.Grant;
import io.jumpgate.core.grant.GrantListener;
import io.jumpgate.core.target.InventorySnapshot;
import io.jumpgate.core.target.Target;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * {@code --mode nsg} on Azure: an inbound allow rule for the grant's source block and port on the NSGs guarding
 * the target's NIC ({@link NsgJustInTime}), removed when the grant is revoked or expires (as a
 * {@link GrantListener}, off the caller's thread) and by {@link NsgJustInTime}'s own sweep at expiry.
 */
public final class NsgNetworkAccess implements NetworkAccess, GrantListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NsgNetworkAccess.class);

    private final NsgJustInTime nsg;
    private final AzureVmssInventory azure;
    private final Supplier<InventorySnapshot> inventory;
    private final AuditSink audit;
    private final Clock clock;
    private final ExecutorService closer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "jumpgate-nsg-close");
        t.setDaemon(true);
        return t;
    });

    public NsgNetworkAccess(NsgJustInTime nsg, AzureVmssInventory azure, Supplier<InventorySnapshot> inventory,
                            AuditSink audit, Clock clock) {
        this.nsg = nsg;
        this.azure = azure;
        this.inventory = inventory;
        this.audit = audit;
        this.clock = clock;
    }

    @Override
    public void check(String target, Set<Integer> ports) {
        if (ports.size() != 1) {
            throw new Refused("invalid_argument", "--mode nsg opens one port per grant; name exactly one --port");
        }
        Target t = inventory.get().resolve(target).orElse(null);
        if (t != null && nicOf(t) == null) {
            audit.emit(AuditEvent.builder(AuditType.NSG_RULE_REFUSED, clock.instant()).outcome(Outcome.DENIED, "not_azure_target")
                    .target(t.name(), t.addressText(), ports.iterator().next())
                    .field("detail", "target comes from " + t.source() + ", not an Azure scale set").build());
            throw new Refused("not_azure_target", "target " + t.name() + " is not an Azure scale-set instance; --mode nsg needs one");
        }
        // an unknown target is refused by the grant service with its own code
    }

    @Override
    public String open(Grant g) {
        Target t = inventory.get().byName(g.target()).orElseThrow(
                () -> new Refused("unknown_target", "target " + g.target() + " left the inventory"));
        String nic = nicOf(t);
        if (nic == null) throw new Refused("not_azure_target", "target " + t.name() + " is not an Azure scale-set instance");
        int port = g.ports().iterator().next();
        try {
            NsgJustInTime.Opened o = nsg.open(new NsgJustInTime.Request(g.id(), g.user(), t.name(), nic, g.source().toString(),
                    t.address() == null ? null : t.address().getHostAddress(), port, g.expiresAt()));
            return "NSG rule " + NsgJustInTime.ruleName(g.id()) + " allows " + g.source() + " to port " + port + " on "
                    + o.rules().size() + " security group(s) until " + g.expiresAt() + ".";
        } catch (NsgJustInTime.RefusedException e) {
            throw new Refused(e.code(), e.getMessage());
        }
    }

    @Override
    public void withdraw(Grant g) {
        int n = nsg.close(g.id(), g.expiresAt());
        if (n > 0) log.info("grant {} ended while its NSG rule was being opened: {} NSG rule(s) removed", g.id(), n);
    }

    /** A grant ended: its rules go (asynchronously; listeners must not block). */
    @Override
    public void grantEnded(Grant g) {
        closer.execute(() -> {
            try {
                int n = nsg.close(g.id(), g.expiresAt());
                if (n > 0) log.info("grant {} ended ({}): {} NSG rule(s) removed", g.id(), g.state(), n);
            } catch (RuntimeException e) {
                log.warn("grant {} ended: removing its NSG rules failed ({}); the NSG sweep retries", g.id(), e.toString());
            }
        });
    }

    private String nicOf(Target t) {
        return t.source().startsWith("azure:") ? azure.networkInterfaceId(t.name()).orElse(null) : null;
    }

    @Override
    public void close() {
        closer.shutdownNow();
        nsg.close();
    }
}
