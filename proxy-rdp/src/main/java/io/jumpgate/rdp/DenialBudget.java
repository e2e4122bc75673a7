package io.jumpgate.rdp;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How many refused connections are audited one by one. Anyone who can reach a relay port can make it refuse (no
 * login comes first), and each refusal is an audit line written on an event loop, fsynced when {@code audit.fsync} is
 * set: a scan at thousands of connections a second would fill the audit disk, after which every admission fails
 * closed. So in each {@link #WINDOW} (fixed minutes) each source gets {@link #PER_SOURCE} refusal events and all
 * sources together {@link #TOTAL}; further refusals are counted, and each window's count is audited as one summary
 * per source ({@code rdp.denied}, code {@code suppressed}). No refusal goes unaccounted for, and a real user's refusal
 * is still audited in full unless their own address is the one flooding. Thread-safe (the event loops share it).
 */
final class DenialBudget {
    static final int PER_SOURCE = 20;
    static final int TOTAL = 1000;
    static final Duration WINDOW = Duration.ofMinutes(1);
    /** Sources tracked in one window; refusals from further ones count toward one summary without a source. */
    static final int MAX_SOURCES = 10_000;

    /** Refusals of {@code source} (null: sources beyond {@link #MAX_SOURCES}) counted in a window, not audited singly. */
    record Summary(InetAddress source, Instant since, Instant until, long suppressed) {}

    private static final class Count {
        int audited;
        long suppressed;
    }

    private final Map<InetAddress, Count> counts = new HashMap<>();
    private final Count others = new Count();
    private int audited;
    private long epoch = Long.MIN_VALUE;
    private final List<Summary> due = new ArrayList<>();

    /** True when this refusal from {@code source} is audited on its own; false when it is counted for a summary. */
    synchronized boolean take(InetAddress source, Instant now) {
        roll(epochOf(now));
        Count c = counts.get(source);
        if (c == null) {
            if (counts.size() >= MAX_SOURCES) {
                others.suppressed++;
                return false;
            }
            c = new Count();
            counts.put(source, c);
        }
        if (c.audited < PER_SOURCE && audited < TOTAL) {
            c.audited++;
            audited++;
            return true;
        }
        c.suppressed++;
        return false;
    }

    /** Summaries of the windows that have ended by {@code now}; with {@code all}, also of the current one (shutdown). */
    synchronized List<Summary> drain(Instant now, boolean all) {
        long e = epochOf(now);
        roll(all ? e + 1 : e);
        List<Summary> out = List.copyOf(due);
        due.clear();
        return out;
    }

    private static long epochOf(Instant t) {
        return Math.floorDiv(t.toEpochMilli(), WINDOW.toMillis());
    }

    /** Moves to window {@code e}: what the earlier window suppressed becomes summaries. */
    private void roll(long e) {
        if (e <= epoch) return;
        if (epoch != Long.MIN_VALUE) {
            Instant since = Instant.ofEpochMilli(epoch * WINDOW.toMillis());
            Instant until = since.plus(WINDOW);
            counts.forEach((source, c) -> {
                if (c.suppressed > 0) due.add(new Summary(source, since, until, c.suppressed));
            });
            if (others.suppressed > 0) due.add(new Summary(null, since, until, others.suppressed));
        }
        counts.clear();
        others.suppressed = 0;
        audited = 0;
        epoch = e;
    }
}
