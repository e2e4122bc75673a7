package io.jumpgate.core.policy;

import io.jumpgate.core.target.Target;

import java.util.List;
import java.util.Map;

/**
 * Selects targets by name glob ({@code web_*}, {@code db_?}) and/or tags. A target matches when it matches
 * any glob (or there are none) and carries every listed tag (or there are none). An empty selector matches nothing.
 */
public record TargetSelector(List<String> globs, Map<String, String> tags) {
    public TargetSelector {
        globs = List.copyOf(globs == null ? List.of() : globs);
        tags = Map.copyOf(tags == null ? Map.of() : tags);
        for (String g : globs) {
            if (g.isBlank()) throw new IllegalArgumentException("empty target glob");
        }
    }

    public static TargetSelector globs(String... globs) {
        return new TargetSelector(List.of(globs), Map.of());
    }

    public boolean isEmpty() {
        return globs.isEmpty() && tags.isEmpty();
    }

    public boolean matches(Target t) {
        if (isEmpty()) return false;
        for (var e : tags.entrySet()) {
            if (!e.getValue().equals(t.tags().get(e.getKey()))) return false;
        }
        if (globs.isEmpty()) return true;
        for (String g : globs) {
            if (globMatches(g, t.name())) return true;
            for (String a : t.aliases()) {
                if (globMatches(g, a)) return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code name} matches {@code glob} ({@code *} any run of characters, {@code ?} one character),
     * ignoring case. Evaluated at every connection (a NAT pool port resolves through every target in the
     * inventory), so it compiles nothing and allocates nothing: the classic one-pass wildcard match that
     * backtracks only to the last {@code *}.
     */
    static boolean globMatches(String glob, String name) {
        int g = 0;
        int n = 0;
        int star = -1;
        int resume = 0;
        while (n < name.length()) {
            if (g < glob.length()) {
                char gc = glob.charAt(g);
                if (gc == '*') {
                    star = g++;
                    resume = n;
                    continue;
                }
                if (gc == '?' || sameIgnoringCase(gc, name.charAt(n))) {
                    g++;
                    n++;
                    continue;
                }
            }
            if (star < 0) return false;
            g = star + 1; // let the last '*' take one more character
            n = ++resume;
        }
        while (g < glob.length() && glob.charAt(g) == '*') g++;
        return g == glob.length();
    }

    private static boolean sameIgnoringCase(char a, char b) {
        return a == b || Character.toLowerCase(a) == Character.toLowerCase(b);
    }
}
