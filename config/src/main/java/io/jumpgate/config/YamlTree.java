package io.jumpgate.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A YAML document as a tree whose every node knows its key path and line, so errors can name both. */
public final class YamlTree {
    private YamlTree() {}

    public sealed interface Node permits MapNode, ListNode, Scalar {
        String path();

        int line();

        default String kind() {
            if (this instanceof MapNode) return "a mapping";
            if (this instanceof ListNode) return "a list";
            Scalar s = (Scalar) this;
            return s.type() == ScalarType.NULL ? "empty" : "a " + s.type().name().toLowerCase();
        }
    }

    public record MapNode(String path, int line, Map<String, Node> entries) implements Node {}

    public record ListNode(String path, int line, List<Node> items) implements Node {}

    public enum ScalarType { STRING, INTEGER, NUMBER, BOOLEAN, NULL }

    public record Scalar(String path, int line, String text, ScalarType type) implements Node {}

    public static Node parse(Reader reader) {
        try (JsonParser p = new YAMLFactory().createParser(reader)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return new MapNode("", 1, Map.of());
            }
            Node root = read(p, "");
            if (p.nextToken() != null) {
                throw new ConfigException("", p.currentTokenLocation().getLineNr(),
                        "more than one YAML document ('---'): put the whole config in one");
            }
            return root;
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new ConfigException("", line, "not valid YAML: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException("", 0, "cannot read config: " + e.getMessage());
        }
    }

    private static Node read(JsonParser p, String path) throws IOException {
        int line = p.currentTokenLocation().getLineNr();
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT -> {
                Map<String, Node> m = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    int keyLine = p.currentTokenLocation().getLineNr();
                    String childPath = path.isEmpty() ? key : path + "." + key;
                    if (m.containsKey(key)) {
                        throw new ConfigException(childPath, keyLine, "duplicate key '" + key + "'");
                    }
                    p.nextToken();
                    m.put(key, read(p, childPath));
                }
                return new MapNode(path, line, Collections.unmodifiableMap(m));
            }
            case START_ARRAY -> {
                List<Node> items = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    items.add(read(p, path + "[" + items.size() + "]"));
                }
                return new ListNode(path, line, List.copyOf(items));
            }
            case VALUE_STRING -> {
                // The parser hands an alias (*name) over as the anchor's name: a list or path would silently become
                // that word. Aliases are refused (which also rules out alias-expansion bombs).
                if (p instanceof YAMLParser y && y.isCurrentAlias()) {
                    throw new ConfigException(path, line, "YAML aliases (*" + p.getText() + ") are not supported: write the value out");
                }
                return new Scalar(path, line, p.getText(), ScalarType.STRING);
            }
            case VALUE_NUMBER_INT -> {
                return new Scalar(path, line, p.getText(), ScalarType.INTEGER);
            }
            case VALUE_NUMBER_FLOAT -> {
                return new Scalar(path, line, p.getText(), ScalarType.NUMBER);
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return new Scalar(path, line, p.getText(), ScalarType.BOOLEAN);
            }
            case VALUE_NULL -> {
                return new Scalar(path, line, null, ScalarType.NULL);
            }
            default -> throw new ConfigException(path, line, "unsupported YAML construct " + t);
        }
    }
}
