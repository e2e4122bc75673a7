package io.jumpgate.core.policy;

import io.jumpgate.core.access.GrantLookup;
import io.jumpgate.core.target.InventorySnapshot;
import io.jumpgate.core.target.Target;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RecordingModePolicyTest {
    static Role role(String name, String glob, RecordingMode mode) {
        return new Role(name, TargetSelector.globs(glob), Set.of(22), List.of(), JitPolicy.NONE, mode);
    }

    @Test
    void theStrictestRecordingModeOfTheRolesThatAllowWins() throws Exception {
        AccessPolicy p = new AccessPolicy(Map.of("ops", role("ops", "web_*", RecordingMode.ON),
                "audited", role("audited", "web_0", RecordingMode.REQUIRED), "dev", role("dev", "*", RecordingMode.OFF)),
                Map.of(), Set.of(), GrantLookup.NONE);
        InventorySnapshot inv = InventorySnapshot.of(List.of(Target.of("web_0", InetAddress.getByName("10.0.0.4")),
                Target.of("web_1", InetAddress.getByName("10.0.0.5"))), Instant.EPOCH);
        User u = new User("alice", List.of(), List.of("ops", "audited", "dev"));
        InetAddress src = InetAddress.getByName("192.0.2.1");
        assertEquals(RecordingMode.REQUIRED, ((Decision.Allow) p.forUser(u, "web_0", 22, src, inv)).recording());
        assertEquals(RecordingMode.ON, ((Decision.Allow) p.forUser(u, "web_1", 22, src, inv)).recording());
        User dev = new User("bob", List.of(), List.of("dev"));
        assertEquals(RecordingMode.OFF, ((Decision.Allow) p.forUser(dev, "web_0", 22, src, inv)).recording());
    }
}
