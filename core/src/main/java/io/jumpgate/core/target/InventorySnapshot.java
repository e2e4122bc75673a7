package io.jumpgate.core.target;

import io.jumpgate.core.util.IpLiterals;

import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * An immutable view of the known targets at one time. Inventories publish a new snapshot on each refresh
 * (behind an {@code AtomicReference}); readers never see a half-updated list.
 *
 * @param targets   the targets, in stable order (by instance id, then name)
 * @param fetchedAt when the data was last fetched successfully
 * @param lastError the error of the most recent refresh if it failed (the snapshot is then stale), else null
 */
public record InventorySnapshot(List<Target> targets, Instant fetchedAt, String lastError) {
    public InventorySnapshot {
        List<Target> sorted = new ArrayList<>(targets);
        sorted.sort(Comparator.comparing(Target::instanceId, InventorySnapshot::naturalCompare).thenComparing(Target::name));
        targets = List.copyOf(sorted);
    }

    public static InventorySnapshot of(List<Target> targets, Instant at) {
        return new InventorySnapshot(targets, at, null);
    }

    public InventorySnapshot stale(String error) {
        return new InventorySnapshot(targets, fetchedAt, error);
    }

    public boolean isStale() {
        return lastError != null;
    }

    /**
     * Finds a target by name or alias (case-insensitive), or by an IP literal equal to its address. Never uses DNS.
     * An IP literal is only ever matched against addresses: a target named or aliased like another one's address
     * (a static alias, a VM named "10.0.0.6") cannot take that address over.
     */
    public Optional<Target> resolve(String host) {
        if (host == null || host.isEmpty()) {
            return Optional.empty();
        }
        Optional<InetAddress> literal = IpLiterals.parse(host);
        if (literal.isPresent()) {
            for (Target t : targets) {
                if (literal.get().equals(t.address())) {
                    return Optional.of(t);
                }
            }
            return Optional.empty();
        }
        for (Target t : targets) {
            if (t.answersTo(host)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    public Optional<Target> byName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return targets.stream().filter(t -> t.name().toLowerCase(Locale.ROOT).equals(n)).findFirst();
    }

    /** Compares strings so that {@code web_10} sorts after {@code web_9}. */
    static int naturalCompare(String a, String b) {
        int i = 0, j = 0;
        while (i < a.length() && j < b.length()) {
            char ca = a.charAt(i), cb = b.charAt(j);
            if (Character.isDigit(ca) && Character.isDigit(cb)) {
                int si = i, sj = j;
                while (i < a.length() && Character.isDigit(a.charAt(i))) i++;
                while (j < b.length() && Character.isDigit(b.charAt(j))) j++;
                String na = a.substring(si, i).replaceFirst("^0+(?=.)", "");
                String nb = b.substring(sj, j).replaceFirst("^0+(?=.)", "");
                int c = na.length() != nb.length() ? Integer.compare(na.length(), nb.length()) : na.compareTo(nb);
                if (c != 0) return c;
            } else {
                if (ca != cb) return Character.compare(ca, cb);
                i++;
                j++;
            }
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
