package io.jumpgate.gateway.jit;

import io.jumpgate.core.grant.Grant;
import io.jumpgate.core.grant.GrantService;
import io.jumpgate.core.util.Durations;
import io.jumpgate.core.util.Json;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Prints grants for people (one line each, aligned) or for scripts (JSON, one document per command). */
final class GrantPrinter {
    private GrantPrinter() {}

    static Map<String, Object> json(Grant g, Instant now) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", g.id());
        m.put("state", g.stateAt(now).code());
        m.put("user", g.user());
        m.put("target", g.target());
        m.put("role", g.role());
        m.put("ports", List.copyOf(g.sortedPorts()));
        m.put("from", g.source().toString());
        m.put("notBefore", g.notBefore());
        m.put("expiresAt", g.expiresAt());
        m.put("reason", g.reason());
        m.put("approvedBy", g.approvedBy());
        m.put("decidedBy", g.decidedBy());
        m.put("decidedAt", g.decidedAt());
        m.put("note", g.note());
        m.put("createdAt", g.createdAt());
        m.put("version", g.version());
        return m;
    }

    static void grantJson(PrintStream out, Grant g, Instant now) {
        out.println(Json.object(json(g, now)));
    }

    static void listJson(PrintStream out, List<Grant> grants, Instant now) {
        out.println(Json.object(Map.of("grants", grants.stream().map(g -> json(g, now)).toList())));
    }

    static void errorJson(PrintStream out, String code, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", code);
        m.put("message", message);
        out.println(Json.object(m));
    }

    /** {@code 7f3k9q2m  active  dave  web_0:ssh  from 10.1.2.3/32  until 11:00:00Z (59m left)  "reason"}. */
    static String line(Grant g, Instant now) {
        String state = g.stateAt(now).code();
        StringBuilder b = new StringBuilder();
        b.append(String.format("%-8s  %-8s  %-12s  %-20s  from %-18s  ", g.id(), state, g.user(),
                g.target() + ":" + GrantService.describePorts(g.ports()), g.source()));
        if (g.stateAt(now).open()) {
            Duration left = Duration.between(now, g.expiresAt());
            b.append("until ").append(g.expiresAt()).append(" (").append(Durations.format(left.isNegative() ? Duration.ZERO : left))
                    .append(" left)");
        } else {
            b.append(g.decidedBy() == null ? "" : "by " + g.decidedBy()).append(g.decidedAt() == null ? "" : " at " + g.decidedAt());
        }
        if (g.reason() != null) b.append("  reason: ").append(Json.string(g.reason()));
        if (g.note() != null) b.append("  note: ").append(Json.string(g.note()));
        return b.toString();
    }

    static void list(PrintStream out, List<Grant> grants, Instant now) {
        if (grants.isEmpty()) {
            out.println("no grants");
            return;
        }
        grants.forEach(g -> out.println(line(g, now)));
    }
}
