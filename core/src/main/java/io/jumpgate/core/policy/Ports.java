package io.jumpgate.core.policy;

import java.util.Locale;
import java.util.Map;

/** Port names users type: {@code ssh} is 22, {@code rdp} is 3389, or a number 1..65535. */
public final class Ports {
    public static final int SSH = 22;
    public static final int RDP = 3389;
    private static final Map<String, Integer> NAMES = Map.of("ssh", SSH, "rdp", RDP, "https", 443, "http", 80, "winrm", 5986);

    private Ports() {}

    public static int parse(String text) {
        if (text == null) throw new IllegalArgumentException("missing port");
        Integer named = NAMES.get(text.trim().toLowerCase(Locale.ROOT));
        if (named != null) return named;
        try {
            int p = Integer.parseInt(text.trim());
            if (p >= 1 && p <= 65535) return p;
        } catch (NumberFormatException ignored) {
            // fall through
        }
        throw new IllegalArgumentException("not a port: '" + text + "' (use ssh, rdp or 1..65535)");
    }

    public static String name(int port) {
        return switch (port) {
            case SSH -> "ssh";
            case RDP -> "rdp";
            default -> Integer.toString(port);
        };
    }
}
