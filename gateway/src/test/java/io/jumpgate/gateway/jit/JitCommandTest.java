package io.jumpgate.gateway.jit;

import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.MemoryAuditSink;
import io.jumpgate.core.grant.GrantService;
import io.jumpgate.core.grant.GrantState;
import io.jumpgate.core.grant.MemoryGrantStore;
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
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

class JitCommandTest {
    static final Role DEV = new Role("dev", TargetSelector.globs("web_*"), Set.of(Ports.SSH), List.of(),
            new JitPolicy(true, Duration.ofHours(2), false, List.of(), 2, false, false), RecordingMode.OFF);
    static final Role PROD = new Role("prod", TargetSelector.globs("db_*"), Set.of(Ports.SSH, Ports.RDP), List.of(),
            new JitPolicy(true, Duration.ofHours(1), true, List.of("sec"), 3, true, true), RecordingMode.OFF);
    static final Role SEC = new Role("sec", TargetSelector.globs("audit_*"), Set.of(Ports.SSH), List.of(), null, null);
    static final User ALICE = new User("alice", List.of(), List.of("dev", "prod"));
    static final User CAROL = new User("carol", List.of(), List.of("sec"));
    static final Target WEB = Target.of("web_0", IpLiterals.require("127.0.0.20"));
    static final Target DB = Target.of("db_0", IpLiterals.require("127.0.0.30"));
    static final InetAddress HOME = IpLiterals.require("10.1.2.3");

    final MutableClock clock = MutableClock.at("2026-11-21T10:00:00Z");
    final MemoryAuditSink audit = new MemoryAuditSink();
    final GrantService service = new GrantService(new MemoryGrantStore(), Map.of("dev", DEV, "prod", PROD, "sec", SEC),
            () -> InventorySnapshot.of(List.of(WEB, DB), Instant.EPOCH), audit, clock);
    final AccessPolicy policy = new AccessPolicy(Map.of("dev", DEV, "prod", PROD, "sec", SEC),
            Map.of("alice", ALICE, "carol", CAROL), Set.of(), service.lookup());
    final JitCommand jit = new JitCommand(service);

    record Result(int code, String out, String err) {}

    Result run(User u, String line) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int code = jit.run(u, HOME, JitCommand.words(line), new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]*)\"").matcher(json);
        assertTrue(m.find(), name + " in " + json);
        return m.group(1);
    }

    @Test
    void requestOverSshIsBoundToTheConnectionAddressAndAdmits() {
        Result r = run(ALICE, "jit request web_0 --port ssh --for 1h");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("Grant "), r.out());
        assertTrue(r.out().contains("is active"), r.out());
        assertTrue(r.out().contains("from 10.1.2.3/32"), r.out());
        assertTrue(policy.forUser(ALICE, "web_0", 22, HOME, InventorySnapshot.of(List.of(WEB, DB), Instant.EPOCH)).allowed());

        Result j = run(ALICE, "request web_0 --for 30m --json");
        assertEquals(0, j.code(), j.err());
        assertEquals("active", field(j.out(), "state"));
        assertEquals("10.1.2.3/32", field(j.out(), "from"));
        assertTrue(j.out().contains("\"ports\":[22]"), j.out());
        assertEquals("", j.err());
    }

    @Test
    void approvalFlowOverTheCommand() {
        Result r = run(ALICE, "jit request db_0 --port rdp,ssh --for 45m --reason \"INC-42: disk full\" --json");
        assertEquals(0, r.code(), r.err());
        String id = field(r.out(), "id");
        assertEquals("pending", field(r.out(), "state"));
        assertEquals("INC-42: disk full", field(r.out(), "reason"));

        Result self = run(ALICE, "jit approve " + id);
        assertEquals(1, self.code());
        assertTrue(self.err().contains("you cannot approve your own grant"), self.err());

        Result list = run(CAROL, "jit list");
        assertTrue(list.out().contains(id) && list.out().contains("pending"), "approvers see what waits: " + list.out());
        Result ok = run(CAROL, "jit approve " + id);
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("Approved grant " + id + " for alice."), ok.out());
        assertEquals(GrantState.ACTIVE, service.find(id).orElseThrow().state());

        Result revoke = run(ALICE, "jit revoke " + id + " --json");
        assertEquals(0, revoke.code(), revoke.err());
        assertEquals("revoked", field(revoke.out(), "state"));
        assertTrue(run(ALICE, "jit list").out().contains("no grants"));
        assertTrue(run(ALICE, "jit list --all").out().contains(id));
        String all = run(ALICE, "jit list --all --json").out();
        assertTrue(all.startsWith("{\"grants\":[{"), all);
    }

    @Test
    void denyNeedsReason() {
        String id = field(run(ALICE, "jit request db_0 --for 10m -r x --json").out(), "id");
        Result missing = run(CAROL, "jit deny " + id);
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("Missing required option: '--reason=TEXT'"), missing.err());
        Result ok = run(CAROL, "jit deny " + id + " --reason 'use the change window'");
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("note: \"use the change window\""), ok.out());
    }

    @Test
    void clearErrorsForBadInput() {
        assertError(run(ALICE, "jit request nope --for 1h"), 1, "jit: no target named 'nope'");
        assertError(run(ALICE, "jit request web_0 --for 3h"), 1, "jit: duration 3h is over the maximum of 2h for role dev");
        assertError(run(ALICE, "jit request web_0 --for soon"), 2, "jit: not a duration: 'soon'");
        assertError(run(ALICE, "jit request web_0 --for 1h --port telnet"), 2, "jit: not a port: 'telnet'");
        assertError(run(ALICE, "jit request web_0 --for 1h --from 10.9.0.0/24"), 1, "does not allow --from");
        assertError(run(ALICE, "jit request db_0 --for 1h --from 10.9.0.300/24 -r x"), 2, "jit: not a CIDR: '10.9.0.300/24'");
        assertError(run(ALICE, "jit request db_0 --for 1h"), 1, "requires a reason");
        assertError(run(ALICE, "jit request web_0"), 2, "Missing required option: '--for=DURATION'");
        assertError(run(ALICE, "jit approve zzzz"), 1, "jit: no grant with id 'zzzz'");
        assertError(run(ALICE, "jit frobnicate"), 2, "Unmatched argument");
        assertError(run(ALICE, "jit"), 2, "Usage: jit");
        assertError(run(ALICE, "jit request web_0 --for 1h --reason " + "x".repeat(501)), 2, "longer than 500 characters");
        assertError(run(CAROL, "jit deny abc --reason " + "x".repeat(501)), 1, "longer than 500 characters");
        Result json = run(ALICE, "jit request web_0 --for 3h --json");
        assertEquals("duration_over_maximum", field(json.out(), "error"));
        assertEquals(7, audit.matching(e -> e.type() == AuditType.GRANT_REFUSED).size(), "service refusals are audited");
    }

    @Test
    void limitOverTheCommand() {
        assertEquals(0, run(ALICE, "jit request web_0 --for 1h").code());
        assertEquals(0, run(ALICE, "jit request web_0 --for 1h").code());
        assertError(run(ALICE, "jit request web_0 --for 1h"), 1, "you already have 2 active or pending grants");
    }

    @Test
    void operatorsUseTheSameCommandsButCannotRequest() {
        String id = field(run(ALICE, "jit request db_0 --for 10m -r x --json").out(), "id");
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int code = jit.runAsOperator("root", List.of("approve", id), new PrintStream(o, true), new PrintStream(e, true));
        assertEquals(0, code, e.toString());
        assertEquals("operator:root", service.find(id).orElseThrow().approvedBy());
        assertEquals(2, jit.runAsOperator("root", List.of("request", "web_0", "--for", "1h"), new PrintStream(o), new PrintStream(e)));
    }

    /**
     * Stand-in for NsgNetworkAccess + NsgJustInTime at their worst: open() adds the rule when the (slow) ARM call
     * completes, and grantEnded() removes only what exists at that moment (as if the close on the closer thread had
     * run before the open).
     */
    static final class SlowNsg implements NetworkAccess, io.jumpgate.core.grant.GrantListener {
        final Set<String> rules = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.function.Consumer<io.jumpgate.core.grant.Grant> whileArmCallInFlight = g -> {};

        @Override public void check(String target, Set<Integer> ports) {}

        @Override
        public String open(io.jumpgate.core.grant.Grant g) {
            whileArmCallInFlight.accept(g);
            rules.add(g.id());
            return "NSG rule opened";
        }

        @Override public void withdraw(io.jumpgate.core.grant.Grant g) { rules.remove(g.id()); }

        @Override public void grantEnded(io.jumpgate.core.grant.Grant g) { rules.remove(g.id()); }
    }

    /** A grant revoked while its NSG rule is being created leaves no rule, and the requester is told. */
    @Test
    void aGrantRevokedWhileItsNsgRuleIsBeingOpenedLeavesNoRuleAndTheRequestSaysSo() {
        SlowNsg nsg = new SlowNsg();
        service.addListener(nsg);
        String[] id = new String[1];
        // e.g. the owner's second session runs `jit revoke ID`, or an approver revokes it, during the ARM PUT
        nsg.whileArmCallInFlight = g -> {
            id[0] = g.id();
            service.revoke(io.jumpgate.core.grant.Actor.user(ALICE), g.id(), "changed my mind");
        };
        JitCommand withNsg = new JitCommand(service, nsg);
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int code = withNsg.run(ALICE, HOME, JitCommand.words("jit request web_0 --port ssh --for 1h --mode nsg"),
                new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        Result r = new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        assertEquals(GrantState.REVOKED, service.find(id[0]).orElseThrow().state());
        assertFalse(nsg.rules.contains(id[0]), "NSG rule of revoked grant " + id[0] + " still open: " + r);
        assertError(r, 1, "grant " + id[0] + " was revoked while its NSG rule was being opened; the rule is removed");
        assertFalse(r.out().contains("NSG rule opened"), r.out());
    }

    /** A revocation stands when its audit event cannot be written; the user is told the event is queued. */
    @Test
    void aRevocationWhoseAuditEventIsQueuedStandsAndSaysSo() {
        boolean[] failing = {false};
        GrantService s = new GrantService(new MemoryGrantStore(), Map.of("dev", DEV, "prod", PROD, "sec", SEC),
                () -> InventorySnapshot.of(List.of(WEB, DB), Instant.EPOCH), e -> {
                    if (failing[0] && e.type() == AuditType.GRANT_REVOKED) {
                        throw new io.jumpgate.core.audit.AuditWriteException("disk full (test)", null);
                    }
                }, clock);
        JitCommand cmd = new JitCommand(s);
        String id = s.request(new io.jumpgate.core.grant.GrantRequest(ALICE, "web_0", Set.of(22), Duration.ofHours(1), null,
                null, HOME)).id();
        failing[0] = true;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int code = cmd.run(ALICE, HOME, JitCommand.words("jit revoke " + id), new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8));
        assertEquals(0, code, e.toString(StandardCharsets.UTF_8));
        assertTrue(o.toString(StandardCharsets.UTF_8).startsWith("Revoked grant " + id + "."), o.toString(StandardCharsets.UTF_8));
        assertEquals("jit: grant " + id + " is revoked; its audit event could not be written yet and is queued\n",
                e.toString(StandardCharsets.UTF_8));
        assertEquals(GrantState.REVOKED, s.find(id).orElseThrow().state());
        assertEquals(1, s.queuedAudit().size());
    }

    @Test
    void atFilesAreNeverExpanded(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path secret = java.nio.file.Files.writeString(dir.resolve("ca_key"),
                "-----BEGIN OPENSSH PRIVATE KEY-----\nS3CR3T-MARKER\n");
        for (String line : List.of("jit @" + secret, "jit request @" + secret + " --for 1h", "jit approve @" + secret,
                "jit list @" + secret)) {
            Result r = run(ALICE, line);
            assertTrue(r.code() != 0, line);
            assertFalse((r.out() + r.err()).contains("S3CR3T-MARKER"), "file contents leaked by '" + line + "': " + r);
        }
    }

    @Test
    void wordsHonourQuotes() {
        assertEquals(List.of("jit", "request", "web_0", "--reason", "a b 'c'", "x y"),
                JitCommand.words("jit request  web_0 --reason \"a b 'c'\" 'x y'"));
        assertEquals(List.of("a\"b"), JitCommand.words("a\\\"b"));
        assertThrows(IllegalArgumentException.class, () -> JitCommand.words("jit deny x --reason 'oops"));
    }

    private static void assertError(Result r, int code, String message) {
        assertEquals(code, r.code(), r.out() + r.err());
        assertTrue(r.err().contains(message), r.err());
    }
}
