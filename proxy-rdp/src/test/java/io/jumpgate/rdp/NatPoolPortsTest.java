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
    private static List<String> ports(PortMapping r, int size, InventorySnapshot s) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < size; i++) out.add(r.resolve(i, s).map(Target::name).orElse("-"));
        return out;
    }

    @Test
    void portStartPlusIReachesInstanceIWhateverComesAndGoes() {
        PortMapping r = new PortMapping.NatPool("web", 50000, 50003, 3389, TargetSelector.globs("vmss_*"), false);
        assertEquals(List.of("vmss_0", "vmss_1", "vmss_2", "-"),
                ports(r, 4, snapshot(vm(2, "127.0.0.12"), vm(0, "127.0.0.10"), vm(1, "127.0.0.11"))));
        assertEquals(List.of("vmss_0", "-", "vmss_2", "-"), ports(r, 4, snapshot(vm(0, "127.0.0.10"), vm(2, "127.0.0.12"))),
                "scale-in of instance 1: its port refuses, instance 2 stays on its own");
        assertEquals(List.of("vmss_0", "-", "vmss_2", "vmss_3"),
                ports(r, 4, snapshot(vm(0, "127.0.0.10"), vm(2, "127.0.0.12"), vm(3, "127.0.0.13"), vm(4, "127.0.0.14"))),
                "scale-out: instance 3 on its port; instance 4 is beyond a pool of four ports");
        assertEquals("127.0.0.42", r.resolve(2, snapshot(vm(0, "127.0.0.10"), vm(2, "127.0.0.42"))).orElseThrow().addressText(),
                "a moved instance keeps its port, at its new address");
    }

    @Test
    void withoutNumericUniqueInstanceIdsPortsFollowInstanceIdOrder() {
        PortMapping statics = new PortMapping.NatPool("web", 50000, 50001, 3389, TargetSelector.globs("web_*"), false);
        InventorySnapshot names = InventorySnapshot.of(List.of(Target.of("web_b", IpLiterals.require("127.0.0.21")),
                Target.of("web_a", IpLiterals.require("127.0.0.20"))), Instant.EPOCH); // a static inventory: ids are names
        assertEquals(List.of("web_a", "web_b"), ports(statics, 2, names));
        PortMapping two = new PortMapping.NatPool("web", 50000, 50002, 3389, TargetSelector.globs("*_0"), false);
        InventorySnapshot sets = InventorySnapshot.of(List.of(
                new Target("api_0", List.of(), IpLiterals.require("127.0.0.30"), Map.of(), "0", PowerState.RUNNING, "azure:rg/api"),
                new Target("vmss_0", List.of(), IpLiterals.require("127.0.0.10"), Map.of(), "0", PowerState.RUNNING, "azure:rg/vmss")),
                Instant.EPOCH); // two scale sets: both have an instance 0
        assertEquals(List.of("api_0", "vmss_0", "-"), ports(two, 3, sets));
    }
}
