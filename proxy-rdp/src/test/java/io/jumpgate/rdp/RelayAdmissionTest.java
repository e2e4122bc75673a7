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
import io.jumpgate.core.policy.User;
import io.jumpgate.core.target.InventorySnapshot;
import io.jumpgate.core.target.Target;
import io.jumpgate.core.util.IpLiterals;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Admission decisions of {@link FrontendHandler}, on an EmbeddedChannel with real socket addresses (no network). */
class RelayAdmissionTest {
    static final int RDP = 3389;

    /** An EmbeddedChannel that reports TCP addresses, as an accepted relay socket does. */
    static final class TcpEmbedded extends EmbeddedChannel {
        private final InetSocketAddress local;
        private final InetSocketAddress remote;

        TcpEmbedded(InetSocketAddress local, InetSocketAddress remote) {
            super(io.netty.channel.DefaultChannelId.newInstance(), false, false);
            this.local = local;
            this.remote = remote;
        }

        @Override
        protected SocketAddress localAddress0() {
            return local;
        }

        @Override
        protected SocketAddress remoteAddress0() {
            return remote;
        }
    }

    static final class Setup {
        final MemoryAuditSink audit = new MemoryAuditSink();
        final io.jumpgate.testkit.MutableClock clock = io.jumpgate.testkit.MutableClock.at("2026-11-22T10:00:00Z");
        final RelayContext rc;
        final PortMapping mapping = new PortMapping.Named("vm-rdp", 50000, "vm", RDP, false);

        Setup(AccessPolicy policy) {
            Target vm = Target.of("vm", IpLiterals.require("10.0.0.4"));
            InventorySnapshot inv = InventorySnapshot.of(List.of(vm), Instant.now());
            rc = new RelayContext(RdpRelayOptions.defaults(IpLiterals.require("0.0.0.0")), () -> inv, () -> policy,
                    audit, clock, Transport.best(), new DefaultChannelGroup("t", GlobalEventExecutor.INSTANCE),
                    new DenialBudget());
        }

        EmbeddedChannel accept(String sourceIp, int sourcePort) throws Exception {
            TcpEmbedded ch = new TcpEmbedded(new InetSocketAddress(IpLiterals.require("10.1.0.5"), 50000),
                    new InetSocketAddress(IpLiterals.require(sourceIp), sourcePort));
            ch.pipeline().addLast(new X224PreambleDecoder(1024, Duration.ofSeconds(10)));
            ch.pipeline().addLast(new FrontendHandler(rc, mapping, 0));
            ch.register();
            return ch;
        }

        List<AuditEvent> events(AuditType type) {
            return audit.matching(e -> e.type() == type);
        }
    }

    /** Roles with jit.required have no standing access on SSH; nor through a role-level allowFrom on the relay. */
    @Test
    void aJitRequiredRoleGivesNoStandingRdpAccessThroughItsAllowFrom() throws Exception {
        Role jitOnly = new Role("rdp-users", TargetSelector.globs("*"), Set.of(RDP), List.of(Cidr.parse("203.0.113.0/24")),
                new JitPolicy(true, Duration.ofHours(4), false, List.of(), 3, false, false), RecordingMode.OFF);
        Setup s = new Setup(new AccessPolicy(Map.of(jitOnly.name(), jitOnly), Map.of(), Set.of(), GrantLookup.NONE));
        EmbeddedChannel ch = s.accept("203.0.113.7", 50123);
        assertEquals(List.of(), s.events(AuditType.RDP_ADMITTED), "admitted without any grant");
        assertEquals("source_not_admitted", s.events(AuditType.RDP_DENIED).get(0).code());
        assertFalse(ch.isOpen());
        ch.finishAndReleaseAll();
    }

    /** A role that requires recording admits no relayed connection, which cannot be recorded (as ssh -J is refused). */
    @Test
    void aRoleThatRequiresRecordingGivesNoUnrecordedRdpRelay() throws Exception {
        Role recorded = new Role("secops", TargetSelector.globs("*"), Set.of(RDP), List.of(Cidr.parse("203.0.113.0/24")),
                JitPolicy.NONE, RecordingMode.REQUIRED);
        Setup s = new Setup(new AccessPolicy(Map.of(recorded.name(), recorded), Map.of(), Set.of(), GrantLookup.NONE));
        EmbeddedChannel ch = s.accept("203.0.113.7", 50123);
        assertEquals(List.of(), s.events(AuditType.RDP_ADMITTED), "relayed without the required recording");
        assertEquals("recording_required", s.events(AuditType.RDP_DENIED).get(0).code());
        ch.finishAndReleaseAll();
    }

    /** ... nor through a grant made under such a role; a grant under a role that records when it can admits. */
    @Test
    void aGrantUnderARoleThatRequiresRecordingAdmitsNoRelay() throws Exception {
        Role secops = new Role("secops", TargetSelector.globs("*"), Set.of(RDP), List.of(),
                new JitPolicy(true, Duration.ofHours(1), false, List.of(), 3, false, false), RecordingMode.REQUIRED);
        Role ops = new Role("ops", TargetSelector.globs("*"), Set.of(RDP), List.of(),
                new JitPolicy(true, Duration.ofHours(1), false, List.of(), 3, false, false), RecordingMode.ON);
        Map<String, User> users = Map.of("carol", new User("carol", List.of(), List.of("secops", "ops")));
        GrantLookup secopsGrant = (user, t, port, source, justified) -> java.util.Optional.of(
                new GrantLookup.ActiveGrant("g1", "carol", "secops")).filter(justified);
        Setup s = new Setup(new AccessPolicy(Map.of("secops", secops, "ops", ops), users, Set.of(), secopsGrant));
        EmbeddedChannel ch = s.accept("203.0.113.7", 50123);
        assertEquals(List.of(), s.events(AuditType.RDP_ADMITTED));
        AuditEvent denied = s.events(AuditType.RDP_DENIED).get(0);
        assertEquals("recording_required", denied.code());
        ch.finishAndReleaseAll();

        GrantLookup opsGrant = (user, t, port, source, justified) -> java.util.Optional.of(
                new GrantLookup.ActiveGrant("g2", "carol", "ops")).filter(justified);
        Setup s2 = new Setup(new AccessPolicy(Map.of("secops", secops, "ops", ops), users, Set.of(), opsGrant));
        EmbeddedChannel ch2 = s2.accept("203.0.113.7", 50124);
        AuditEvent admitted = s2.events(AuditType.RDP_ADMITTED).get(0);
        assertEquals("g2", admitted.fields().get("grant_id"), admitted.toString());
        ch2.finishAndReleaseAll();
    }

    /** An IPv6 client's source is "[addr]:port" as on the SSH side; a bare colon would not say where the port starts. */
    @Test
    void anIpv6SourceIsAuditedUnambiguously() throws Exception {
        Setup s = new Setup(new AccessPolicy(Map.of(), Map.of(), Set.of(), GrantLookup.NONE));
        EmbeddedChannel ch = s.accept("2001:db8::7", 50123);
        AuditEvent denied = s.events(AuditType.RDP_DENIED).get(0);
        assertEquals("[2001:db8:0:0:0:0:0:7]:50123", denied.source());
        ch.finishAndReleaseAll();
    }

    /**
     * Two grants admit the source; the one that admitted the relay (g1) ends while the admission is audited. The
     * relay goes on under g2 (audited readmitted), and ends only when g2 ends too.
     */
    @Test
    void aRelayStillAdmittedByAnotherGrantGoesOnWhenTheFirstEnds() throws Exception {
        Role jit = new Role("rdp-users", TargetSelector.globs("*"), Set.of(RDP), List.of(),
                new JitPolicy(true, Duration.ofHours(4), false, List.of(), 3, false, false), RecordingMode.OFF);
        Map<String, User> users = Map.of("alice", new User("alice", List.of(), List.of("rdp-users")),
                "bob", new User("bob", List.of(), List.of("rdp-users")));
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        java.util.Set<String> ended = java.util.concurrent.ConcurrentHashMap.newKeySet();
        GrantLookup twoGrants = (user, t, port, source, justified) -> {
            if (calls.getAndIncrement() == 0) return java.util.Optional.of(new GrantLookup.ActiveGrant("g1", "alice", "rdp-users"));
            ended.add("g1"); // g1 has ended by the re-check
            return ended.contains("g2") ? java.util.Optional.empty()
                    : java.util.Optional.of(new GrantLookup.ActiveGrant("g2", "bob", "rdp-users")).filter(justified);
        };
        Setup s = new Setup(new AccessPolicy(Map.of(jit.name(), jit), users, Set.of(), twoGrants));
        EmbeddedChannel ch = s.accept("203.0.113.7", 50123);
        List<AuditEvent> admitted = s.events(AuditType.RDP_ADMITTED);
        assertEquals(2, admitted.size(), admitted.toString());
        assertEquals("readmitted", admitted.get(1).code());
        assertEquals("g2", admitted.get(1).fields().get("grant_id"));
        assertEquals("g1", admitted.get(1).fields().get("ended_grant"));
        assertEquals(List.of(), s.events(AuditType.RDP_CLOSED), "ended although grant g2 admits the source");
        assertTrue(ch.isOpen());

        RelaySession session = ch.attr(RelaySession.KEY).get();
        session.grantEnded("g1", "g1 again"); // a late notice for the old grant changes nothing
        assertTrue(ch.isOpen());
        ended.add("g2");
        session.grantEnded("g2", "grant g2 ended: EXPIRED");
        ch.runPendingTasks();
        assertFalse(ch.isOpen());
        assertEquals("grant_ended", s.events(AuditType.RDP_CLOSED).get(0).code());
        ch.finishAndReleaseAll();
    }

    /** A source that keeps getting refused has its first refusals audited one by one, the rest counted (DenialBudget). */
    @Test
    void aSourceRefusedOverAndOverIsAuditedUpToItsBudget() throws Exception {
        Setup s = new Setup(new AccessPolicy(Map.of(), Map.of(), Set.of(), GrantLookup.NONE));
        for (int i = 0; i < DenialBudget.PER_SOURCE + 5; i++) {
            EmbeddedChannel ch = s.accept("203.0.113.7", 40000 + i);
            assertFalse(ch.isOpen(), "refused all the same");
            ch.finishAndReleaseAll();
        }
        assertEquals(DenialBudget.PER_SOURCE, s.events(AuditType.RDP_DENIED).size());
        assertEquals(List.of(new DenialBudget.Summary(IpLiterals.require("203.0.113.7"), s.clock.instant(),
                s.clock.instant().plus(DenialBudget.WINDOW), 5)), s.rc.denials().drain(s.clock.instant(), true));
    }
}
