package io.jumpgate.core.grant;

import io.jumpgate.core.audit.AuditEvent;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.grant.GrantException.Kind;
import io.jumpgate.core.policy.Decision;
import io.jumpgate.core.policy.DenyReason;
import io.jumpgate.core.policy.AccessPolicy;
import io.jumpgate.core.policy.Cidr;
import io.jumpgate.core.policy.JitPolicy;
import io.jumpgate.core.policy.Ports;
import io.jumpgate.core.policy.RecordingMode;
import io.jumpgate.core.policy.Role;
import io.jumpgate.core.policy.TargetSelector;
import io.jumpgate.core.policy.User;
import io.jumpgate.core.util.IpLiterals;
import io.jumpgate.testkit.Poll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.jumpgate.core.grant.GrantFixture.*;
import static org.junit.jupiter.api.Assertions.*;

class GrantServiceTest {
    private static final String HOME = "10.1.2.3";
    private final GrantFixture f = new GrantFixture();

    private Decision ssh(String user, String target, int port, String source) {
        var u = switch (user) {
            case "alice" -> ALICE;
            case "bob" -> BOB;
            case "dave" -> DAVE;
            default -> CAROL;
        };
        return f.policy.forUser(u, target, port, IpLiterals.require(source), INVENTORY);
    }

    private Decision rdp(io.jumpgate.core.target.Target t, int port, String source) {
        return f.policy.forSource(t, port, IpLiterals.require(source));
    }

    private static void refused(Kind kind, String messagePart, Executable e) {
        GrantException ex = assertThrows(GrantException.class, e);
        assertEquals(kind, ex.kind(), ex.getMessage());
        assertTrue(ex.getMessage().contains(messagePart), ex.getMessage());
    }

    @Test
    void selfServiceGrantAdmitsOnlyItsUserSourceAndPortUntilExpiresAtExclusive() {
        assertEquals(DenyReason.GRANT_REQUIRED, ((Decision.Deny) ssh("alice", "web_0", 22, HOME)).reason());
        Grant g = f.service.request(ask(ALICE, "web_0", Ports.SSH, "1h", null, null, HOME));
        assertEquals(GrantState.ACTIVE, g.state());
        assertEquals(f.clock.instant().plus(Duration.ofHours(1)), g.expiresAt());
        assertEquals("10.1.2.3/32", g.source().toString());

        Decision d = ssh("alice", "web_0", 22, HOME);
        assertTrue(d.allowed());
        assertEquals(g.id(), ((Decision.Allow) d).grantId());
        assertFalse(ssh("alice", "web_0", 22, "10.1.2.4").allowed(), "another source");
        assertFalse(ssh("dave", "web_0", 22, HOME).allowed(), "another user of the same role, same source");
        assertTrue(rdp(WEB, 22, HOME).allowed(), "user-less path: source decides");
        assertEquals("alice", ((Decision.Allow) rdp(WEB, 22, HOME)).grantUser());
        assertFalse(rdp(WEB, 22, "10.1.2.4").allowed());

        f.clock.set(g.expiresAt().minusMillis(1));
        assertTrue(ssh("alice", "web_0", 22, HOME).allowed(), "1 ms before expiry");
        assertTrue(rdp(WEB, 22, HOME).allowed());
        f.clock.set(g.expiresAt());
        assertEquals(DenyReason.GRANT_REQUIRED, ((Decision.Deny) ssh("alice", "web_0", 22, HOME)).reason(), "at expires-at");
        assertEquals(DenyReason.SOURCE_NOT_ADMITTED, ((Decision.Deny) rdp(WEB, 22, HOME)).reason());
        f.clock.set(g.expiresAt().plusMillis(1));
        assertFalse(ssh("alice", "web_0", 22, HOME).allowed(), "1 ms after expiry, before any sweep");
        assertEquals(GrantState.ACTIVE, f.store.find(g.id()).orElseThrow().state(), "not swept yet");
    }

    @Test
    void approvalFlowPendingAdmitsNothingApprovedWindowStartsAtApproval() {
        Grant g = f.service.request(ask(ALICE, "db_0", Ports.SSH, "1h", "INC-42 disk full", null, HOME));
        assertEquals(GrantState.PENDING, g.state());
        assertFalse(ssh("alice", "db_0", 22, HOME).allowed(), "pending admits nothing");
        assertFalse(rdp(DB, 22, HOME).allowed());

        f.clock.advance(Duration.ofMinutes(10));
        Instant approvedAt = f.clock.instant();
        Grant a = f.service.approve(Actor.user(CAROL), g.id());
        assertEquals(GrantState.ACTIVE, a.state());
        assertEquals("carol", a.approvedBy());
        assertEquals("carol", a.decidedBy());
        assertEquals(approvedAt, a.notBefore());
        assertEquals(approvedAt.plus(Duration.ofHours(1)), a.expiresAt(), "the full hour counts from approval");
        assertEquals(2, a.version());
        assertTrue(ssh("alice", "db_0", 22, HOME).allowed());

        f.clock.set(a.notBefore().minusMillis(1));
        assertFalse(ssh("alice", "db_0", 22, HOME).allowed(), "1 ms before not-before");
        f.clock.set(a.notBefore());
        assertTrue(ssh("alice", "db_0", 22, HOME).allowed(), "at not-before");
    }

    @Test
    void selfApprovalAndNonApproversAreRefused() {
        Grant mine = f.service.request(ask(BOB, "db_0", Ports.SSH, "30m", "deploy", null, HOME));
        refused(Kind.SELF_APPROVAL, "your own grant", () -> f.service.approve(Actor.user(BOB), mine.id()));
        refused(Kind.SELF_APPROVAL, "own grant", () -> f.service.approve(Actor.operator("bob"), mine.id()));
        Grant hers = f.service.request(ask(ALICE, "db_0", Ports.SSH, "30m", "debug", null, HOME));
        refused(Kind.NOT_AN_APPROVER, "[sec]", () -> f.service.approve(Actor.user(DAVE), hers.id()));
        refused(Kind.UNKNOWN_GRANT, "zzzz", () -> f.service.approve(Actor.user(CAROL), "zzzz"));
        assertFalse(ssh("alice", "db_0", 22, HOME).allowed());
        assertFalse(ssh("bob", "db_0", 22, HOME).allowed());

        assertEquals(GrantState.ACTIVE, f.service.approve(Actor.user(BOB), hers.id()).state(), "bob approves alice");
        assertEquals(GrantState.ACTIVE, f.service.approve(Actor.operator("root"), mine.id()).state());
        assertEquals("operator:root", f.store.find(mine.id()).orElseThrow().approvedBy());
        refused(Kind.INVALID_STATE, "active, not pending", () -> f.service.approve(Actor.user(CAROL), hers.id()));

        List<AuditEvent> refusals = f.audit.matching(e -> e.type() == AuditType.GRANT_REFUSED);
        assertEquals(List.of("self_approval", "self_approval", "not_an_approver", "unknown_grant", "invalid_state"),
                refusals.stream().map(AuditEvent::code).toList());
    }

    @Test
    void denyNeedsAReasonAndEndsThePendingGrant() {
        Grant g = f.service.request(ask(ALICE, "db_0", Ports.RDP, "45m", "patching", null, HOME));
        refused(Kind.MISSING_REASON, "reason", () -> f.service.deny(Actor.user(CAROL), g.id(), " "));
        refused(Kind.SELF_APPROVAL, "jit revoke", () -> f.service.deny(Actor.user(ALICE), g.id(), "never mind"));
        Grant d = f.service.deny(Actor.user(CAROL), g.id(), "use the change window");
        assertEquals(GrantState.DENIED, d.state());
        assertEquals("use the change window", d.note());
        refused(Kind.INVALID_STATE, "denied", () -> f.service.approve(Actor.user(BOB), g.id()));
        assertFalse(rdp(DB, Ports.RDP, HOME).allowed());
        assertTrue(f.service.lookup().get(g.id()).isEmpty());
    }

    @Test
    void revokeByOwnerOrApproverEndsAccessAndTellsListenersOnce() {
        List<Grant> ended = new ArrayList<>();
        f.service.addListener(ended::add);
        Grant g = f.service.request(ask(DAVE, "web_0", Ports.SSH, "1h", null, null, HOME));
        refused(Kind.NOT_PERMITTED, "only dave", () -> f.service.revoke(Actor.user(ALICE), g.id(), null));
        Grant r = f.service.revoke(Actor.user(DAVE), g.id(), "done early");
        assertEquals(GrantState.REVOKED, r.state());
        assertEquals("dave", r.decidedBy());
        assertFalse(ssh("dave", "web_0", 22, HOME).allowed());
        assertEquals(List.of(g.id()), ended.stream().map(Grant::id).toList());
        refused(Kind.INVALID_STATE, "already revoked", () -> f.service.revoke(Actor.user(DAVE), g.id(), null));

        Grant p = f.service.request(ask(ALICE, "db_0", Ports.SSH, "1h", "x", null, HOME));
        f.service.approve(Actor.user(CAROL), p.id());
        assertEquals(GrantState.REVOKED, f.service.revoke(Actor.user(CAROL), p.id(), "incident over").state(), "approver");
        Grant q = f.service.request(ask(ALICE, "db_0", Ports.SSH, "1h", "x", null, HOME));
        assertEquals(GrantState.REVOKED, f.service.revoke(Actor.user(ALICE), q.id(), null).state(), "withdrawn while pending");
        assertEquals(2, ended.size(), "a withdrawn pending grant admitted nothing, so no listener call");
    }

    @Test
    void sweepExpiresOnceAuditsAndTellsListeners() {
        List<Grant> ended = new ArrayList<>();
        f.service.addListener(ended::add);
        Grant g = f.service.request(ask(ALICE, "web_0", Ports.SSH, "15m", null, null, HOME));
        Grant p = f.service.request(ask(ALICE, "db_0", Ports.SSH, "15m", "x", null, HOME));
        f.clock.set(g.expiresAt().minusMillis(1));
        assertEquals(List.of(), f.service.expireDue());
        f.clock.set(g.expiresAt());
        List<Grant> expired = f.service.expireDue();
        assertEquals(2, expired.size(), "the active grant and the pending one that lapsed");
        assertEquals(List.of(g.id()), ended.stream().map(Grant::id).toList());
        assertEquals(GrantState.EXPIRED, f.store.find(p.id()).orElseThrow().state());
        assertEquals(GrantService.EXPIRY, f.store.find(g.id()).orElseThrow().decidedBy());
        assertEquals(List.of(), f.service.expireDue());
        assertEquals(2, f.audit.matching(e -> e.type() == AuditType.GRANT_EXPIRED).size());
        refused(Kind.INVALID_STATE, "expired", () -> f.service.approve(Actor.user(CAROL), p.id()));
    }

    @Test
    void perUserLimitCountsActiveAndPendingAndFreesOnExpiry() {
        Grant first = f.service.request(ask(DAVE, "web_0", Ports.SSH, "10m", null, null, HOME));
        f.service.request(ask(DAVE, "web_0", Ports.SSH, "1h", null, null, HOME));
        refused(Kind.TOO_MANY_GRANTS, "allows 2", () -> f.service.request(ask(DAVE, "web_0", Ports.SSH, "1h", null, null, HOME)));
        f.clock.set(first.expiresAt());
        assertEquals(GrantState.ACTIVE, f.service.request(ask(DAVE, "web_0", Ports.SSH, "1h", null, null, HOME)).state(),
                "an expired grant no longer counts, even before the sweep");
        // pending grants count as well: prod allows 3
        for (int i = 0; i < 3; i++) f.service.request(ask(ALICE, "db_0", Ports.SSH, "1h", "r" + i, null, HOME));
        refused(Kind.TOO_MANY_GRANTS, "3 active or pending", () -> f.service.request(ask(ALICE, "db_0", Ports.SSH, "1h", "r", null, HOME)));
    }

    @Test
    void requestRulesRefuseWithClearMessagesAndAudit() {
        refused(Kind.UNKNOWN_TARGET, "no target named 'nope'", () -> f.service.request(ask(ALICE, "nope", 22, "1h", null, null, HOME)));
        refused(Kind.NOT_ALLOWED, "none of your roles covers db_0", () -> f.service.request(ask(DAVE, "db_0", 22, "1h", "x", null, HOME)));
        refused(Kind.NOT_ALLOWED, "allow ports [ssh] of web_0, not [rdp]", () -> f.service.request(ask(DAVE, "web_0", Ports.RDP, "1h", null, null, HOME)));
        refused(Kind.DURATION_OVER_MAXIMUM, "3h is over the maximum of 2h", () -> f.service.request(ask(DAVE, "web_0", 22, "3h", null, null, HOME)));
        refused(Kind.INVALID_DURATION, "positive", () -> f.service.request(ask(DAVE, "web_0", 22, "0s", null, null, HOME)));
        refused(Kind.MISSING_REASON, "requires a reason", () -> f.service.request(ask(ALICE, "db_0", 22, "1h", "  ", null, HOME)));
        refused(Kind.FROM_NOT_ALLOWED, "does not allow --from", () -> f.service.request(ask(DAVE, "web_0", 22, "1h", null, "10.9.0.0/24", HOME)));
        refused(Kind.SOURCE_TOO_WIDE, "wider than /16", () -> f.service.request(ask(ALICE, "db_0", 22, "1h", "x", "10.0.0.0/8", HOME)));
        assertEquals(8, f.audit.matching(e -> e.type() == AuditType.GRANT_REFUSED).size());
        assertTrue(f.store.open().isEmpty(), "nothing stored for refused requests");
        assertEquals("unknown_target", f.audit.events().get(0).code());
        assertEquals("request", f.audit.events().get(0).fields().get("action"));
    }

    /** Standing RDP to db_* from the office only; no jit block (JitPolicy.NONE). */
    private static final Role HELPDESK = new Role("helpdesk", TargetSelector.globs("db_*"), Set.of(Ports.RDP),
            List.of(Cidr.parse("10.0.0.0/8")), null, RecordingMode.OFF);

    /**
     * A role without a jit block gives standing access only: it issues no grant on request (before, its members got
     * 8 h grants from any address with no approval, preferred over their JIT role's rules); an empty block does.
     */
    @Test
    void aRoleWithoutAJitBlockIssuesNoGrantsAndDoesNotBypassTheRulesOfTheUsersJitRole() {
        Map<String, Role> roles = new HashMap<>(ROLES);
        roles.put("helpdesk", HELPDESK);
        GrantService service = new GrantService(f.store, roles, () -> INVENTORY, f.audit, f.clock);
        User eve = new User("eve", List.of(), List.of("prod", "helpdesk"));
        User hal = new User("hal", List.of(), List.of("helpdesk"));
        AccessPolicy policy = new AccessPolicy(roles, Map.of("eve", eve, "hal", hal), Set.of(), service.lookup());
        String cafe = "203.0.113.9";

        refused(Kind.DURATION_OVER_MAXIMUM, "over the maximum of 1h for role prod",
                () -> service.request(ask(eve, "db_0", Ports.RDP, "8h", "INC-1", null, cafe)));
        Grant g = service.request(ask(eve, "db_0", Ports.RDP, "1h", "INC-1", null, cafe));
        assertEquals(GrantState.PENDING, g.state(), "prod's approval applies");
        assertEquals("prod", g.role());
        assertFalse(policy.forSource(DB, Ports.RDP, IpLiterals.require(cafe)).allowed());
        refused(Kind.NOT_ALLOWED, "none of your roles grants db_0 port rdp on request (a role without jit: gives standing access only)",
                () -> service.request(ask(hal, "db_0", Ports.RDP, "1h", null, null, "10.1.1.1")));
        assertTrue(policy.forSource(DB, Ports.RDP, IpLiterals.require("10.1.1.1")).allowed(), "standing access stays");

        Role emptyBlock = new Role("helpdesk", HELPDESK.targets(), HELPDESK.ports(), HELPDESK.allowFrom(),
                new JitPolicy(false, Duration.ofHours(8), false, List.of(), 5, false, false), RecordingMode.OFF);
        roles.put("helpdesk", emptyBlock);
        GrantService withBlock = new GrantService(f.store, roles, () -> INVENTORY, f.audit, f.clock);
        assertEquals(GrantState.ACTIVE, withBlock.request(ask(hal, "db_0", Ports.RDP, "1h", null, null, "10.1.1.1")).state(),
                "a block with every default (jit: {}) is a block");
    }

    /**
     * A grant admits only while the config still supports it: its role exists and covers the target and port, and its
     * user is configured and holds that role (before, the user-less RDP path admitted on any indexed grant, e.g. after
     * a restart with the port removed from the role).
     */
    @Test
    void aGrantAdmitsOnlyWhileItsRoleCoversThePortAndItsUserStillHoldsThatRole() {
        Grant rdpGrant = f.service.request(ask(ALICE, "db_0", Ports.RDP, "1h", "INC-1", null, HOME));
        f.service.approve(Actor.user(CAROL), rdpGrant.id());
        Grant sshGrant = f.service.request(ask(ALICE, "db_0", Ports.SSH, "1h", "INC-2", null, HOME));
        f.service.approve(Actor.user(CAROL), sshGrant.id());
        var home = IpLiterals.require(HOME);
        assertTrue(rdp(DB, Ports.RDP, HOME).allowed(), "precondition");
        assertEquals("prod", ((Decision.Allow) ssh("alice", "db_0", Ports.SSH, HOME)).role());

        // Restarted with prod reduced to SSH: RDP access withdrawn from the role.
        Map<String, Role> sshOnly = new HashMap<>(ROLES);
        sshOnly.put("prod", new Role("prod", PROD.targets(), Set.of(Ports.SSH), List.of(), PROD.jit(), RecordingMode.OFF));
        GrantService restarted = new GrantService(f.store, sshOnly, () -> INVENTORY, f.audit, f.clock);
        assertFalse(new AccessPolicy(sshOnly, USERS, Set.of(), restarted.lookup()).forSource(DB, Ports.RDP, home).allowed(),
                "the role no longer covers rdp");

        Map<String, Role> noProd = new HashMap<>(ROLES);
        noProd.remove("prod");
        assertFalse(new AccessPolicy(noProd, USERS, Set.of(), f.service.lookup()).forSource(DB, Ports.RDP, home).allowed(),
                "the role is gone");

        Map<String, User> noAlice = new HashMap<>(USERS);
        noAlice.remove("alice");
        assertFalse(new AccessPolicy(ROLES, noAlice, Set.of(), f.service.lookup()).forSource(DB, Ports.RDP, home).allowed(),
                "the user is gone");

        // alice keeps db_0 through another JIT role, but no longer holds prod, under which her grants were made.
        Role dba = new Role("dba", PROD.targets(), PROD.ports(), List.of(), PROD.jit(), RecordingMode.OFF);
        Map<String, Role> withDba = new HashMap<>(ROLES);
        withDba.put("dba", dba);
        User moved = new User("alice", List.of(), List.of("dev", "dba"));
        Map<String, User> users = new HashMap<>(USERS);
        users.put("alice", moved);
        AccessPolicy p = new AccessPolicy(withDba, users, Set.of(), f.service.lookup());
        assertFalse(p.forSource(DB, Ports.RDP, home).allowed(), "the user no longer holds the role (rdp)");
        assertEquals(DenyReason.GRANT_REQUIRED, ((Decision.Deny) p.forUser(moved, "db_0", Ports.SSH, home, INVENTORY)).reason(),
                "the user no longer holds the role (ssh)");

        // A stale grant does not hide one that still holds (same target, port and source).
        Grant bobs = f.service.request(ask(BOB, "db_0", Ports.RDP, "1h", "INC-3", null, HOME));
        f.service.approve(Actor.user(CAROL), bobs.id());
        assertEquals(bobs.id(), ((Decision.Allow) p.forSource(DB, Ports.RDP, home)).grantId());
    }

    /** User-typed ids and target names went into refusal events uncapped (twice): one ssh exec wrote ~2x its length. */
    @Test
    void refusalsCapWhatTheUserTypedAt256CharactersInTheAuditEventAndTheMessage() {
        String huge = "a".repeat(100_000);
        String capped = "a".repeat(256) + "…";
        refused(Kind.UNKNOWN_GRANT, "no grant with id '" + capped + "'", () -> f.service.approve(Actor.user(CAROL), huge));
        refused(Kind.UNKNOWN_TARGET, "no target named '" + capped + "'",
                () -> f.service.request(ask(ALICE, huge, Ports.SSH, "1h", null, null, HOME)));
        List<AuditEvent> events = f.audit.events();
        assertEquals(2, events.size());
        assertEquals(capped, events.get(0).fields().get("grant"));
        assertEquals(capped, events.get(1).target().name());
        for (AuditEvent e : events) {
            int size = String.valueOf(e.fields()).length() + String.valueOf(e.target()).length();
            assertTrue(size < 1_000, e.type() + " event carries " + size + " characters");
        }
        assertEquals("x" + "😀".repeat(127) + "…", io.jumpgate.core.audit.AuditText.capped("x" + "😀".repeat(200)),
                "never half a character");
    }

    @Test
    void fromBlockReplacesTheConnectionAddressWhenTheRoleAllowsIt() {
        Grant g = f.service.request(ask(ALICE, "db_0", Ports.RDP, "1h", "office", "10.9.0.0/24", HOME));
        f.service.approve(Actor.user(CAROL), g.id());
        assertTrue(rdp(DB, Ports.RDP, "10.9.0.77").allowed());
        assertFalse(rdp(DB, Ports.RDP, HOME).allowed(), "the connection address is not implied");
        assertFalse(rdp(DB, Ports.SSH, "10.9.0.77").allowed(), "only the granted port");
        assertFalse(rdp(DB, Ports.RDP, "10.9.1.1").allowed());
    }

    @Test
    void everyTransitionIsAudited() {
        Grant a = f.service.request(ask(ALICE, "db_0", 22, "1h", "x", null, HOME));
        f.service.approve(Actor.user(CAROL), a.id());
        Grant b = f.service.request(ask(ALICE, "db_0", 22, "1h", "y", null, HOME));
        f.service.deny(Actor.user(CAROL), b.id(), "no");
        f.service.revoke(Actor.user(ALICE), a.id(), null);
        Grant c = f.service.request(ask(DAVE, "web_0", 22, "1m", null, null, HOME));
        f.clock.set(c.expiresAt());
        f.service.expireDue();
        assertEquals(List.of(AuditType.GRANT_REQUESTED, AuditType.GRANT_APPROVED, AuditType.GRANT_REQUESTED,
                        AuditType.GRANT_DENIED, AuditType.GRANT_REVOKED, AuditType.GRANT_REQUESTED, AuditType.GRANT_EXPIRED),
                f.audit.events().stream().map(AuditEvent::type).toList());
        AuditEvent approved = f.audit.events().get(1);
        assertEquals("carol", approved.user());
        assertEquals(a.id(), approved.fields().get("grant"));
        assertEquals("alice", approved.fields().get("grantUser"));
        assertEquals("db_0", approved.target().name());
        assertEquals("pending", f.audit.events().get(0).code());
        assertEquals(HOME, f.audit.events().get(0).source());
    }

    @Test
    void anotherGatewayOnTheSameStoreSeesGrantsAndRevocationsAfterRefresh() {
        GrantService other = f.peer();
        List<Grant> endedThere = new ArrayList<>();
        other.addListener(endedThere::add);
        Grant g = f.service.request(ask(DAVE, "web_0", 22, "1h", null, null, HOME));
        var t = WEB;
        assertTrue(other.lookup().find("dave", t, 22, IpLiterals.require(HOME)).isEmpty(), "not before a refresh");
        other.refresh();
        assertTrue(other.lookup().find("dave", t, 22, IpLiterals.require(HOME)).isPresent());
        f.service.revoke(Actor.user(DAVE), g.id(), null);
        other.refresh();
        assertTrue(other.lookup().find("dave", t, 22, IpLiterals.require(HOME)).isEmpty());
        assertEquals(List.of(GrantState.REVOKED), endedThere.stream().map(Grant::state).toList());

        Grant h = f.service.request(ask(DAVE, "web_0", 22, "1m", null, null, HOME));
        other.refresh();
        f.clock.set(h.expiresAt());
        assertEquals(1, f.service.expireDue().size());
        assertEquals(0, other.expireDue().size(), "the first sweeper wins; the other takes in its result");
        assertEquals(2, endedThere.size(), "but both gateways' listeners hear of it");
        assertEquals(1, f.audit.matching(e -> e.type() == AuditType.GRANT_EXPIRED).size());
    }

    /** An audit sink that refuses events of one type while {@code failing} is set (a full disk, say). */
    private static final class FailingSink implements io.jumpgate.core.audit.AuditSink {
        final io.jumpgate.core.audit.MemoryAuditSink written = new io.jumpgate.core.audit.MemoryAuditSink();
        volatile AuditType failing;

        @Override
        public void emit(AuditEvent e) {
            if (e.type() == failing) throw new io.jumpgate.core.audit.AuditWriteException("disk full (test)", null);
            written.emit(e);
        }
    }

    @Test
    void aRequestOrApprovalThatCannotBeAuditedAdmitsNoOneHereOrOnAnotherGateway() {
        FailingSink sink = new FailingSink();
        GrantService service = new GrantService(f.store, ROLES, () -> INVENTORY, sink, f.clock);
        var policy = new io.jumpgate.core.policy.AccessPolicy(ROLES, USERS, java.util.Set.of(), service.lookup());
        GrantService other = f.peer();
        var otherPolicy = new io.jumpgate.core.policy.AccessPolicy(ROLES, USERS, java.util.Set.of(), other.lookup());
        var home = IpLiterals.require(HOME);

        // A self-service request whose grant.requested event cannot be written: refused, and the stored grant withdrawn.
        sink.failing = AuditType.GRANT_REQUESTED;
        assertThrows(io.jumpgate.core.audit.AuditWriteException.class,
                () -> service.request(ask(ALICE, "web_0", Ports.SSH, "1h", null, null, HOME)));
        assertFalse(policy.forUser(ALICE, "web_0", Ports.SSH, home, INVENTORY).allowed(), "this gateway");
        other.refresh();
        assertFalse(otherPolicy.forUser(ALICE, "web_0", Ports.SSH, home, INVENTORY).allowed(), "a gateway on the same store");
        List<Grant> stored = f.store.open();
        assertTrue(stored.stream().noneMatch(g -> g.stateAt(f.clock.instant()).open()), "nothing open in the store: " + stored);
        assertTrue(sink.written.events().isEmpty(), "and nothing claims it in the record: " + sink.written.events());

        // An approval whose grant.approved event cannot be written: refused, the grant stays pending and admits no one.
        sink.failing = null;
        Grant pending = service.request(ask(ALICE, "db_0", Ports.SSH, "1h", "INC-1", null, HOME));
        assertEquals(GrantState.PENDING, pending.state());
        sink.failing = AuditType.GRANT_APPROVED;
        assertThrows(io.jumpgate.core.audit.AuditWriteException.class, () -> service.approve(Actor.user(CAROL), pending.id()));
        assertEquals(GrantState.PENDING, f.store.find(pending.id()).orElseThrow().state());
        assertFalse(policy.forUser(ALICE, "db_0", Ports.SSH, home, INVENTORY).allowed());
        other.refresh();
        assertFalse(otherPolicy.forUser(ALICE, "db_0", Ports.SSH, home, INVENTORY).allowed());

        // Once the record can be written again, the same approval goes through.
        sink.failing = null;
        assertEquals(GrantState.ACTIVE, service.approve(Actor.user(CAROL), pending.id()).state());
        assertTrue(policy.forUser(ALICE, "db_0", Ports.SSH, home, INVENTORY).allowed());
    }

    /**
     * The sweep wrote EXPIRED, then audited: a failing write lost the event (the next sweep no longer sees the grant)
     * and skipped the rest of the round. Now every expiry stands, every listener is told, and the events are written
     * at the first round after the log is back.
     */
    @Test
    void aSweepWhoseAuditFailsExpiresEveryGrantAndWritesTheirEventsOnceTheLogIsBack() {
        FailingSink sink = new FailingSink();
        GrantService service = new GrantService(f.store, ROLES, () -> INVENTORY, sink, f.clock);
        List<Grant> ended = new ArrayList<>();
        service.addListener(ended::add);
        Grant a = service.request(ask(ALICE, "web_0", Ports.SSH, "1h", null, null, HOME));
        Grant d = service.request(ask(DAVE, "web_0", Ports.SSH, "1h", null, null, "10.1.2.4"));
        GrantMaintenance m = new GrantMaintenance(service, Duration.ofSeconds(1));

        f.clock.advance(Duration.ofHours(2));
        sink.failing = AuditType.GRANT_EXPIRED;
        m.runOnce();
        assertEquals(2, ended.size(), "both told in the failing round");
        assertEquals(GrantState.EXPIRED, f.store.find(a.id()).orElseThrow().state());
        assertEquals(GrantState.EXPIRED, f.store.find(d.id()).orElseThrow().state());
        assertEquals(2, service.queuedAudit().size());
        m.runOnce();
        assertEquals(2, service.queuedAudit().size(), "kept while the log refuses them");

        sink.failing = null;
        m.runOnce();
        m.runOnce();
        assertEquals(List.of(a.id(), d.id()).stream().sorted().toList(),
                sink.written.matching(e -> e.type() == AuditType.GRANT_EXPIRED).stream()
                        .map(e -> (String) e.fields().get("grant")).sorted().toList(), "each written once");
        assertTrue(service.queuedAudit().isEmpty());
        assertEquals(2, ended.size());
    }

    /**
     * A revocation or denial whose audit write fails stands (a revocation must always take effect), the caller is told
     * its event is queued, and the event is written at the first maintenance round after the log is back.
     */
    @Test
    void aRevocationOrDenialWhoseAuditFailsStandsAndItsEventIsWrittenOnceTheLogIsBack() {
        FailingSink sink = new FailingSink();
        GrantService service = new GrantService(f.store, ROLES, () -> INVENTORY, sink, f.clock);
        var policy = new AccessPolicy(ROLES, USERS, Set.of(), service.lookup());
        Grant g = service.request(ask(ALICE, "web_0", Ports.SSH, "1h", null, null, HOME));
        Grant p = service.request(ask(ALICE, "db_0", Ports.SSH, "1h", "INC-1", null, HOME));

        sink.failing = AuditType.GRANT_REVOKED;
        AuditQueuedException revoked = assertThrows(AuditQueuedException.class,
                () -> service.revoke(Actor.user(ALICE), g.id(), "done"));
        assertEquals(GrantState.REVOKED, revoked.grant().state());
        assertTrue(revoked.getMessage().contains("is revoked; its audit event could not be written yet and is queued"),
                revoked.getMessage());
        assertEquals(GrantState.REVOKED, f.store.find(g.id()).orElseThrow().state());
        assertFalse(policy.forUser(ALICE, "web_0", Ports.SSH, IpLiterals.require(HOME), INVENTORY).allowed());

        sink.failing = AuditType.GRANT_DENIED;
        assertThrows(AuditQueuedException.class, () -> service.deny(Actor.user(CAROL), p.id(), "no"));
        assertEquals(GrantState.DENIED, f.store.find(p.id()).orElseThrow().state());
        assertEquals(List.of(AuditType.GRANT_DENIED), service.queuedAudit().stream().map(AuditEvent::type).toList(),
                "the queued revocation went first, as soon as the log took it");

        sink.failing = null;
        new GrantMaintenance(service, Duration.ofSeconds(1)).runOnce();
        assertEquals(List.of(AuditType.GRANT_REVOKED, AuditType.GRANT_DENIED), sink.written.events().stream()
                .map(AuditEvent::type).filter(t -> t != AuditType.GRANT_REQUESTED).toList(), "in order, once");
        assertTrue(service.queuedAudit().isEmpty());
    }

    /** A store that can be taken down (every call fails, as with the database unreachable). */
    private static final class FlakyStore implements GrantStore {
        final GrantStore real = new MemoryGrantStore();
        volatile boolean down;

        private void check() {
            if (down) throw new GrantStoreException("database unreachable (test)", null);
        }

        @Override public void insert(Grant g) { check(); real.insert(g); }
        @Override public boolean insertWithin(Grant g, int max, Instant now) { check(); return real.insertWithin(g, max, now); }
        @Override public boolean update(Grant g) { check(); return real.update(g); }
        @Override public java.util.Optional<Grant> find(String id) { check(); return real.find(id); }
        @Override public List<Grant> open() { check(); return real.open(); }
        @Override public List<Grant> recent(String user, int limit) { check(); return real.recent(user, limit); }
    }

    @Test
    void connectionsOfAnExpiredGrantAreCutOnTimeWhileTheStoreIsDownAndTheExpiryIsRecordedOnceItIsBack() {
        FlakyStore store = new FlakyStore();
        GrantFixture g = new GrantFixture(store);
        List<Grant> ended = new ArrayList<>();
        g.service.addListener(ended::add);
        GrantMaintenance maintenance = new GrantMaintenance(g.service, Duration.ofSeconds(1));
        Grant grant = g.service.request(ask(ALICE, "web_0", Ports.SSH, "1h", null, null, HOME));

        store.down = true;
        g.clock.advance(Duration.ofHours(3));
        for (int i = 0; i < 5; i++) maintenance.runOnce();
        assertEquals(1, ended.size(), "told once, on time, although nothing could be written");
        assertEquals(grant.id(), ended.get(0).id());
        assertFalse(g.policy.forUser(ALICE, "web_0", Ports.SSH, IpLiterals.require(HOME), INVENTORY).allowed());
        assertTrue(g.audit.matching(e -> e.type() == AuditType.GRANT_EXPIRED).isEmpty(), "not recorded yet");

        store.down = false;
        maintenance.runOnce();
        assertEquals(GrantState.EXPIRED, store.real.find(grant.id()).orElseThrow().state(), "recorded once the store is back");
        assertEquals(1, g.audit.matching(e -> e.type() == AuditType.GRANT_EXPIRED).size());
        maintenance.runOnce();
        assertEquals(1, ended.size(), "and not told twice");
    }
    /** A store whose reads and writes hang while {@code hang} is set (a PostgreSQL peer gone silent, a lock wait). */
    private static final class HangingStore implements GrantStore {
        final GrantStore real = new MemoryGrantStore();
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile boolean hang;

        private void maybeHang() {
            if (!hang) return;
            entered.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override public void insert(Grant g) { real.insert(g); }
        @Override public boolean insertWithin(Grant g, int max, Instant now) { return real.insertWithin(g, max, now); }
        @Override public boolean update(Grant g) { maybeHang(); return real.update(g); }
        @Override public java.util.Optional<Grant> find(String id) { maybeHang(); return real.find(id); }
        @Override public List<Grant> open() { maybeHang(); return real.open(); }
        @Override public List<Grant> recent(String user, int limit) { return real.recent(user, limit); }
    }

    /**
     * A store that hangs (rather than fails) held the maintenance thread and the service's monitor, so expiries were not
     * told until it answered; the clock's part now runs on its own.
     */
    @Test
    void connectionsOfAnExpiredGrantAreCutOnTimeWhileTheStoreHangs() throws Exception {
        HangingStore store = new HangingStore();
        GrantFixture g = new GrantFixture(store);
        CountDownLatch told = new CountDownLatch(1);
        List<Grant> ended = new java.util.concurrent.CopyOnWriteArrayList<>();
        g.service.addListener(x -> {
            ended.add(x);
            told.countDown();
        });
        Grant grant = g.service.request(ask(ALICE, "web_0", Ports.SSH, "1h", null, null, HOME));
        try (GrantMaintenance m = new GrantMaintenance(g.service, Duration.ofMillis(20)).start()) {
            store.hang = true;
            assertTrue(store.entered.await(5, TimeUnit.SECONDS), "the store round is waiting on the store");
            g.clock.advance(Duration.ofHours(2));
            assertTrue(told.await(5, TimeUnit.SECONDS), "listeners of the expired grant told while the store hangs");
            assertEquals(grant.id(), ended.get(0).id());
            assertEquals(GrantState.EXPIRED, ended.get(0).state());

            store.hang = false;
            store.release.countDown();
            Poll.until(Duration.ofSeconds(5), "the expiry recorded once the store answers",
                    () -> store.real.find(grant.id()).orElseThrow().state() == GrantState.EXPIRED);
        }
        assertEquals(1, ended.size(), "told once");
        assertEquals(1, g.audit.matching(e -> e.type() == AuditType.GRANT_EXPIRED).size());
    }
}
