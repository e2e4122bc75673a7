package io.jumpgate.config;

import io.jumpgate.config.YamlTree.ListNode;
import io.jumpgate.config.YamlTree.MapNode;
import io.jumpgate.config.YamlTree.Node;
import io.jumpgate.config.YamlTree.Scalar;
import io.jumpgate.config.YamlTree.ScalarType;
import io.jumpgate.core.util.Durations;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * A mapping in the config with a fixed set of allowed keys. Every accessor checks the value's type and
 * throws {@link ConfigException} naming the key's path and line.
 */
public final class Section {
    private final MapNode node;

    private Section(MapNode node) {
        this.node = node;
    }

    /** Wraps {@code n}, which must be a mapping whose keys are all in {@code allowed}. */
    public static Section of(Node n, Set<String> allowed) {
        if (!(n instanceof MapNode m)) {
            throw new ConfigException(n.path(), n.line(), "expected a mapping, found " + n.kind());
        }
        for (var e : m.entries().entrySet()) {
            if (!allowed.contains(e.getKey())) {
                throw new ConfigException(e.getValue().path(), e.getValue().line(),
                        "unknown key '" + e.getKey() + "' (allowed: " + String.join(", ", new TreeSet<>(allowed)) + ")");
            }
        }
        return new Section(m);
    }

    public String path() {
        return node.path();
    }

    public int line() {
        return node.line();
    }

    public boolean has(String key) {
        Node n = node.entries().get(key);
        return n != null && !(n instanceof Scalar s && s.type() == ScalarType.NULL);
    }

    public Node raw(String key) {
        return node.entries().get(key);
    }

    public ConfigException error(String key, String problem) {
        Node n = node.entries().get(key);
        String p = n != null ? n.path() : (node.path().isEmpty() ? key : node.path() + "." + key);
        return new ConfigException(p, n != null ? n.line() : node.line(), problem);
    }

    public static ConfigException error(Node n, String problem) {
        return new ConfigException(n.path(), n.line(), problem);
    }

    private Scalar scalar(String key) {
        Node n = node.entries().get(key);
        if (n == null || (n instanceof Scalar s && s.type() == ScalarType.NULL)) {
            return null;
        }
        if (!(n instanceof Scalar s)) {
            throw error(n, "expected a single value, found " + n.kind());
        }
        return s;
    }

    public String string(String key, String dflt) {
        Scalar s = scalar(key);
        return s == null ? dflt : s.text();
    }

    public String requireString(String key) {
        Scalar s = scalar(key);
        if (s == null || s.text().isBlank()) {
            throw error(key, "required key '" + key + "' is missing");
        }
        return s.text();
    }

    public int integer(String key, int dflt, int min, int max) {
        Scalar s = scalar(key);
        if (s == null) return dflt;
        if (s.type() != ScalarType.INTEGER) {
            throw error(s, "expected a whole number, found " + s.kind() + " '" + s.text() + "'");
        }
        long v;
        try {
            v = Long.parseLong(s.text());
        } catch (NumberFormatException e) {
            throw error(s, "expected a whole number, found '" + s.text() + "'");
        }
        if (v < min || v > max) {
            throw error(s, "value " + v + " is out of range " + min + ".." + max);
        }
        return (int) v;
    }

    public boolean bool(String key, boolean dflt) {
        Scalar s = scalar(key);
        if (s == null) return dflt;
        // YAML 1.1 also types yes/no/on/off as booleans; read as text they would all be false (so `required: yes`
        // would switch a check off). Only true and false are taken.
        if (s.type() != ScalarType.BOOLEAN || !(s.text().equalsIgnoreCase("true") || s.text().equalsIgnoreCase("false"))) {
            throw error(s, "expected true or false, found '" + s.text() + "'");
        }
        return s.text().equalsIgnoreCase("true");
    }

    public Duration duration(String key, Duration dflt) {
        Scalar s = scalar(key);
        if (s == null) return dflt;
        try {
            return Durations.parse(s.text());
        } catch (IllegalArgumentException e) {
            throw error(s, e.getMessage());
        }
    }

    public Path path(String key, Path dflt) {
        Scalar s = scalar(key);
        if (s == null) return dflt;
        if (s.text().isBlank() || s.text().indexOf('\0') >= 0) {
            throw error(s, "not a file path: '" + s.text() + "'");
        }
        return Path.of(s.text());
    }

    /** Parses a scalar with {@code parse}; its IllegalArgumentException becomes a ConfigException at the key. */
    public <T> T parsed(String key, T dflt, Function<String, T> parse) {
        Scalar s = scalar(key);
        if (s == null) return dflt;
        return parseScalar(s, parse);
    }

    public static <T> T parseScalar(Node n, Function<String, T> parse) {
        if (!(n instanceof Scalar s) || s.type() == ScalarType.NULL) {
            throw error(n, "expected a single value, found " + n.kind());
        }
        try {
            return parse.apply(s.text());
        } catch (IllegalArgumentException e) {
            throw error(s, e.getMessage());
        }
    }

    public <E extends Enum<E>> E enumValue(String key, E dflt, Class<E> type) {
        Scalar s = scalar(key);
        if (s == null) return dflt;
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(s.text())) return e;
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) names.add(e.name().toLowerCase());
        throw error(s, "expected one of " + names + ", found '" + s.text() + "'");
    }

    /** A list of scalars parsed with {@code parse}; a single scalar counts as a one-element list. */
    public <T> List<T> list(String key, Function<String, T> parse) {
        Node n = node.entries().get(key);
        if (n == null || (n instanceof Scalar s && s.type() == ScalarType.NULL)) return List.of();
        if (n instanceof Scalar) return List.of(parseScalar(n, parse));
        if (!(n instanceof ListNode l)) throw error(n, "expected a list, found " + n.kind());
        List<T> out = new ArrayList<>();
        for (Node item : l.items()) out.add(parseScalar(item, parse));
        return out;
    }

    public List<String> strings(String key) {
        return list(key, Function.identity());
    }

    /** A list of mappings, each checked against {@code allowed}. */
    public List<Section> sections(String key, Set<String> allowed) {
        Node n = node.entries().get(key);
        if (n == null || (n instanceof Scalar s && s.type() == ScalarType.NULL)) return List.of();
        if (!(n instanceof ListNode l)) throw error(n, "expected a list, found " + n.kind());
        List<Section> out = new ArrayList<>();
        for (Node item : l.items()) out.add(of(item, allowed));
        return out;
    }

    public Optional<Section> section(String key, Set<String> allowed) {
        Node n = node.entries().get(key);
        if (n == null || (n instanceof Scalar s && s.type() == ScalarType.NULL)) return Optional.empty();
        return Optional.of(of(n, allowed));
    }

    /** A mapping of string keys to string values (tags). */
    public Map<String, String> stringMap(String key) {
        Node n = node.entries().get(key);
        if (n == null || (n instanceof Scalar s && s.type() == ScalarType.NULL)) return Map.of();
        if (!(n instanceof MapNode m)) throw error(n, "expected a mapping, found " + n.kind());
        Map<String, String> out = new LinkedHashMap<>();
        for (var e : m.entries().entrySet()) {
            if (!(e.getValue() instanceof Scalar s) || s.type() == ScalarType.NULL) {
                throw error(e.getValue(), "expected a single value, found " + e.getValue().kind());
            }
            out.put(e.getKey(), s.text());
        }
        return out;
    }
}
