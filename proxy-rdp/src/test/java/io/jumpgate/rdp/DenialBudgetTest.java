package io.jumpgate.rdp;

import io.jumpgate.core.audit.AuditEvent;
import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.MemoryAuditSink;
import io.jumpgate.core.access.GrantLookup;
import io.jumpgate.core.policy.AccessPolicy;
import io.jumpgate.core.target.InventorySnapshot;
import io.jumpgate.core.util.IpLiterals;
import io.jumpgate.testkit.MutableClock;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Refusals audited one by one up to a budget, then counted and summarised: none unaccounted for. */
class DenialBudgetTest {
    static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
    static final InetAddress SCANNER = IpLiterals.require("203.0.113.9");
    static final InetAddress USER = IpLiterals.require("198.51.100.7");

    @Test
    void aSourceGetsItsBudgetPerWindowThenIsCountedAndSummarisedOnceTheWindowEnds() {
        DenialBudget b = new DenialBudget();
        int audited = 0;
        for (int i = 0; i < 25; i++) if (b.take(SCANNER, T0.plusSeconds(i))) audited++;
        assertEquals(DenialBudget.PER_SOURCE, audited);
        assertTrue(b.take(USER, T0.plusSeconds(30)), "another source is still audited one by one");
        assertEquals(List.of(), b.drain(T0.plusSeconds(59), false), "the window is still open");

        List<DenialBudget.Summary> due = b.drain(T0.plusSeconds(60), false);
        assertEquals(List.of(new DenialBudget.Summary(SCANNER, T0, T0.plusSeconds(60), 5)), due);
        assertTrue(b.take(SCANNER, T0.plusSeconds(61)), "a new window, a new budget");
        assertEquals(List.of(), b.drain(T0.plusSeconds(70), false), "summarised once");
    }

    @Test
    void allSourcesTogetherHaveABudgetAndSourcesBeyondTheTrackedOnesShareOneSummary() {
        DenialBudget b = new DenialBudget();
        int audited = 0;
        int sources = DenialBudget.TOTAL / DenialBudget.PER_SOURCE + 10;
        for (int s = 0; s < sources; s++) {
            InetAddress a = IpLiterals.require("10.1." + (s / 250) + "." + (s % 250 + 1));
            for (int i = 0; i < DenialBudget.PER_SOURCE; i++) if (b.take(a, T0)) audited++;
        }
        assertEquals(DenialBudget.TOTAL, audited);
        long suppressed = b.drain(T0.plus(DenialBudget.WINDOW), false).stream().mapToLong(DenialBudget.Summary::suppressed).sum();
        assertEquals(10L * DenialBudget.PER_SOURCE, suppressed);

        DenialBudget many = new DenialBudget();
        for (int s = 0; s < DenialBudget.MAX_SOURCES + 3; s++) {
            many.take(IpLiterals.require("10." + (s >> 16 & 255) + "." + (s >> 8 & 255) + "." + (s & 255)), T0);
        }
        List<DenialBudget.Summary> atShutdown = many.drain(T0.plusSeconds(1), true);
        DenialBudget.Summary others = atShutdown.stream().filter(x -> x.source() == null).findFirst().orElseThrow();
        assertNull(others.source());
        assertEquals(3, others.suppressed());
    }

    /** Through the relay: its summaries are audited as rdp.denied, code suppressed, with the source and the count. */
    @Test
    void theRelayAuditsEachSummaryAsARefusal() throws Exception {
        MutableClock clock = new MutableClock(T0);
        MemoryAuditSink audit = new MemoryAuditSink();
        RdpRelay relay = new RdpRelay(RdpRelayOptions.defaults(IpLiterals.require("127.0.0.1")), List.of(),
                () -> InventorySnapshot.of(List.of(), T0), () -> new AccessPolicy(Map.of(), Map.of(), Set.of(), GrantLookup.NONE),
                audit, clock);
        RelayContext rc = RelayEndTest.contextOf(relay);
        for (int i = 0; i < 30; i++) rc.denials().take(SCANNER, clock.instant());
        relay.auditSuppressedDenials(false);
        assertEquals(List.of(), audit.events(), "nothing before the window ends");
        clock.advance(Duration.ofMinutes(1));
        relay.auditSuppressedDenials(false);
        AuditEvent e = audit.matching(x -> x.type() == AuditType.RDP_DENIED).get(0);
        assertEquals("suppressed", e.code());
        assertEquals("203.0.113.9", e.source());
        assertEquals(10L, ((Number) e.fields().get("suppressed")).longValue());
        assertFalse(e.fields().get("since").toString().isEmpty());
    }
}
