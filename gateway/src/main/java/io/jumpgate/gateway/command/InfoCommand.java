package io.jumpgate.gateway.command;

import io.jumpgate.core.policy.AccessPolicy;
import io.jumpgate.core.policy.Ports;
import io.jumpgate.core.policy.Role;
import io.jumpgate.core.target.InventorySnapshot;
import io.jumpgate.core.target.Target;
import io.jumpgate.gateway.ssh.SessionContext;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** {@code ssh gw} and {@code ssh gw info}: who you are and the targets you may reach, with their ports. */
final class InfoCommand implements CommandHandler {
    @Override
    public int run(SessionContext ctx, List<String> args, InputStream in, OutputStream out, OutputStream err)
            throws IOException {
        String nl = ctx.newline();
        StringBuilder b = new StringBuilder();
        SessionContext.Credential c = ctx.credential();
        b.append("Jumpgate: no shell here; use ssh -J to reach a target.").append(nl);
        b.append("user:   ").append(ctx.user().name()).append(nl);
        b.append("key:    ").append(c.keyType()).append(' ').append(c.fingerprint());
        if (c.certId() != null) {
            b.append(" (certificate '").append(c.certId()).append("', serial ").append(Long.toUnsignedString(c.certSerial())).append(')');
        }
        b.append(nl);
        b.append("source: ").append(ctx.sourceText()).append(nl);
        AccessPolicy policy = ctx.services().policy();
        InventorySnapshot inv = ctx.services().inventory().snapshot();
        List<Target> targets = policy.visibleTargets(ctx.user(), inv);
        if (targets.isEmpty()) {
            b.append("targets: none").append(nl);
        } else {
            b.append("targets:").append(nl);
            for (Target t : targets) {
                Set<String> ports = new TreeSet<>();
                for (Role r : policy.rolesOf(ctx.user())) {
                    if (r.covers(t)) r.ports().forEach(p -> ports.add(Ports.name(p)));
                }
                b.append("  ").append(t.name()).append("  ports ").append(String.join(",", ports));
                if (!t.state().reachable()) b.append("  (").append(t.state().name().toLowerCase()).append(')');
                b.append(nl);
            }
        }
        if (inv.isStale()) {
            b.append("(inventory is stale: ").append(inv.lastError()).append(')').append(nl);
        }
        out.write(b.toString().getBytes(StandardCharsets.UTF_8));
        return 0;
    }
}
