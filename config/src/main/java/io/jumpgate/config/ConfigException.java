package io.jumpgate.config;

/** A configuration error naming the key's path (e.g. {@code roles[1].ports[0]}) and, when known, its line. */
public final class ConfigException extends RuntimeException {
    private final String path;
    private final int line;

    public ConfigException(String path, int line, String problem) {
        super(format(path, line, problem));
        this.path = path;
        this.line = line;
    }

    private static String format(String path, int line, String problem) {
        StringBuilder b = new StringBuilder("config error");
        if (path != null && !path.isEmpty()) b.append(" at ").append(path);
        if (line > 0) b.append(" (line ").append(line).append(')');
        return b.append(": ").append(problem).toString();
    }

    public String path() {
        return path;
    }

    public int line() {
        return line;
    }
}
