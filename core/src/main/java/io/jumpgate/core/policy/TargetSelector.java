package io.jumpgate.core.policy;

import io.jumpgate.core.target.Target;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

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
        boolean nameOk = globs.isEmpty() || globs.stream().anyMatch(g -> globMatches(g, t));
        boolean tagsOk = tags.entrySet().stream().allMatch(e -> e.getValue().equals(t.tags().get(e.getKey())));
        return nameOk && tagsOk;
    }

    private static boolean globMatches(String glob, Target t) {
        Pattern p = toRegex(glob);
        if (p.matcher(t.name().toLowerCase(Locale.ROOT)).matches()) return true;
        return t.aliases().stream().anyMatch(a -> p.matcher(a.toLowerCase(Locale.ROOT)).matches());
    }

    static Pattern toRegex(String glob) {
        StringBuilder b = new StringBuilder();
        for (char c : glob.toLowerCase(Locale.ROOT).toCharArray()) {
            switch (c) {
                case '*' -> b.append(".*");
                case '?' -> b.append('.');
                default -> b.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(b.toString());
    }
}
