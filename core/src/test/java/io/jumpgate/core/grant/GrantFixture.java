package io.jumpgate.core.grant;

import io.jumpgate.core.audit.MemoryAuditSink;
import io.jumpgate.core.policy.AccessPolicy;
import io.jumpgate.core.policy.JitPolicy;
import io.jumpgate.core.policy.Ports;
import io.jumpgate.core.policy.RecordingMode;
import io.jumpgate.core.policy.Role;
import io.jumpgate.core.policy.TargetSelector;
import io.jumpgate.core.policy.User;
import io.jumpgate.core.target.InventorySnapshot;
import io.jumpgate.core.target.Target;
import io.jumpgate.core.util.IpLiterals;
import io.jumpgate.testkit.MutableClock;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Roles, users and targets shared by the grant tests.
 * dev: web_* ssh, self-service (no approval), 2h max, 2 grants per user. prod: db_* ssh+rdp, approval by sec,
 * 1h max, reason required, --from allowed. alice: dev+prod; bob: prod+sec (an approver who also requests);
 * carol: sec; dave: dev.
 */
public final class GrantFixture {
    public static final Role DEV = new Role("dev", TargetSelector.globs("web_*"), Set.of(Ports.SSH), List.of(),
            new JitPolicy(true, Duration.ofHours(2), false, List.of(), 2, false, false), RecordingMode.OFF);
    public static final Role PROD = new Role("prod", TargetSelector.globs("db_*"), Set.of(Ports.SSH, Ports.RDP), List.of(),
            new JitPolicy(true, Duration.ofHours(1), true, List.of("sec"), 3, true, true), RecordingMode.OFF);
    public static final Role SEC = new Role("sec", TargetSelector.globs("audit_*"), Set.of(Ports.SSH), List.of(),
            JitPolicy.NONE, RecordingMode.OFF);
    public static final Map<String, Role> ROLES = Map.of("dev", DEV, "prod", PROD, "sec", SEC);

    public static final User ALICE = new User("alice", List.of(), List.of("dev", "prod"));
    public static final User BOB = new User("bob", List.of(), List.of("prod", "sec"));
    public static final User CAROL = new User("carol", List.of(), List.of("sec"));
    public static final User DAVE = new User("dave", List.of(), List.of("dev"));
    public static final Map<String, User> USERS = Map.of("alice", ALICE, "bob", BOB, "carol", CAROL, "dave", DAVE);

    public static final Target WEB = Target.of("web_0", IpLiterals.require("127.0.0.20"));
    public static final Target DB = Target.of("db_0", IpLiterals.require("127.0.0.30"));
    public static final InventorySnapshot INVENTORY = InventorySnapshot.of(List.of(WEB, DB), Instant.EPOCH);

    public final MutableClock clock = MutableClock.at("2026-11-21T10:00:00Z");
    public final MemoryAuditSink audit = new MemoryAuditSink();
    public final GrantStore store;
    public final GrantService service;
    public final AccessPolicy policy;

    public GrantFixture() {
        this(new MemoryGrantStore());
    }

    public GrantFixture(GrantStore store) {
        this.store = store;
        this.service = new GrantService(store, ROLES, () -> INVENTORY, audit, clock);
        this.policy = new AccessPolicy(ROLES, USERS, Set.of(), service.lookup());
    }

    /** Another gateway on the same store and clock. */
    public GrantService peer() {
        return new GrantService(store, ROLES, () -> INVENTORY, audit, clock);
    }

    public static GrantRequest ask(User u, String target, int port, String duration, String reason, String from, String source) {
        return new GrantRequest(u, target, Set.of(port), io.jumpgate.core.util.Durations.parse(duration), reason,
                from == null ? null : io.jumpgate.core.policy.Cidr.parse(from), IpLiterals.require(source));
    }
}
