package io.jumpgate.rdp;

import io.jumpgate.core.policy.TargetSelector;
import io.jumpgate.core.target.InventorySnapshot;
import io.jumpgate.core.target.PowerState;
import io.jumpgate.core.target.Target;
import io.jumpgate.core.util.IpLiterals;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which scale-set instance each NAT-pool port reaches as instances come and go. */
class NatPoolPortsTest {
    private static Target vm(int instanceId, String ip) {
        return new Target("vmss_" + instanceId, List.of(), IpLiterals.require(ip), Map.of(), String.valueOf(instanceId),
                PowerState.RUNNING, "azure:rg/vmss");
    }

    private static InventorySnapshot snapshot(Target... targets) {
        List<Target> all = new ArrayList<>(List.of(targets));
        all.add(Target.of("db_0", IpLiterals.require("127.0.0.99"))); // outside the pool's selector
        return InventorySnapshot.of(all, Instant.EPOCH);
    }

    /** Target name on each port, "-" for none. */
    private static List<String> ports(PortMapping.Resolver r, int size, InventorySnapshot s) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < size; i++) out.add(r.resolve(i, s).map(Target::name).orElse("-"));
        return out;
    }

    @Test
    void instancesKeepTheirPortsAcrossScaleInAndScaleOut() {
        PortMapping.Resolver r = new PortMapping.NatPool("web", 50000, 50003, 3389, TargetSelector.globs("vmss_*"), false).resolver();
        assertEquals(List.of("vmss_0", "vmss_1", "vmss_2", "-"),
                ports(r, 4, snapshot(vm(2, "127.0.0.12"), vm(0, "127.0.0.10"), vm(1, "127.0.0.11"))), "instance-id order at first");
        assertEquals(List.of("vmss_0", "-", "vmss_2", "-"), ports(r, 4, snapshot(vm(0, "127.0.0.10"), vm(2, "127.0.0.12"))),
                "scale-in of instance 1: its port refuses, instance 2 stays on its own");
        assertEquals(List.of("vmss_0", "vmss_3", "vmss_2", "vmss_4"),
                ports(r, 4, snapshot(vm(0, "127.0.0.10"), vm(2, "127.0.0.12"), vm(3, "127.0.0.13"), vm(4, "127.0.0.14"))),
                "scale-out: new instances take the lowest free ports");
        assertEquals("127.0.0.42", r.resolve(2, snapshot(vm(0, "127.0.0.10"), vm(2, "127.0.0.42"), vm(3, "127.0.0.13"),
                vm(4, "127.0.0.14"))).orElseThrow().addressText(), "a moved instance keeps its port, at its new address");
    }

    @Test
    void instancesBeyondThePoolWaitForAFreePort() {
        PortMapping.Resolver r = new PortMapping.NatPool("web", 50000, 50001, 3389, TargetSelector.globs("vmss_*"), false).resolver();
        assertEquals(List.of("vmss_0", "vmss_1"), ports(r, 2, snapshot(vm(0, "127.0.0.10"), vm(1, "127.0.0.11"), vm(2, "127.0.0.12"))));
        assertEquals(List.of("vmss_2", "vmss_1"), ports(r, 2, snapshot(vm(1, "127.0.0.11"), vm(2, "127.0.0.12"))));
    }
}
