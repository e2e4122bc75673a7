package io.jumpgate.gateway.jit;

import io.jumpgate.config.ConfigLoader;
import io.jumpgate.config.JumpgateConfig;
import io.jumpgate.config.grants.GrantStores;
import io.jumpgate.config.grants.JdbcGrantStore;
import io.jumpgate.core.audit.MemoryAuditSink;
import io.jumpgate.core.grant.Grant;
import io.jumpgate.core.grant.GrantMaintenance;
import io.jumpgate.core.grant.GrantRequest;
import io.jumpgate.core.grant.GrantService;
import io.jumpgate.core.grant.GrantState;
import io.jumpgate.core.target.InventorySnapshot;
import io.jumpgate.core.util.IpLiterals;
import io.jumpgate.testkit.Poll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The operator CLI against the H2 file a running gateway holds (through H2's loopback auto-server). */
class GrantsCommandTest {
    @TempDir
    Path dir;

    record Result(int code, String out, String err) {}

    Result grants(Path config, String... args) {
        StringWriter o = new StringWriter(), e = new StringWriter();
        CommandLine cmd = new CommandLine(new GrantsCommand());
        cmd.setOut(new PrintWriter(o, true));
        cmd.setErr(new PrintWriter(e, true));
        List<String> all = new ArrayList<>(List.of("--config", config.toString()));
        all.addAll(List.of(args));
        return new Result(cmd.execute(all.toArray(String[]::new)), o.toString(), e.toString());
    }

    @Test
    void operatorRevokesWhileTheGatewayRunsAndTheGatewayNoticesWithinThePollInterval() throws Exception {
        Path config = dir.resolve("jumpgate.yaml");
        Files.writeString(config, """
                dataDir: %s
                limits:
                  allowLoopbackTargets: true
                roles:
                  - name: dev
                    targets: [web_*]
                    ports: [ssh]
                    jit: {required: true, maxDuration: 2h}
                users:
                  - name: dave
                    roles: [dev]
                inventory:
                  static:
                    - name: web_0
                      address: 127.0.0.20
                grants:
                  pollInterval: 200ms
                """.formatted(dir.resolve("data")));
        JumpgateConfig cfg = ConfigLoader.load(config);
        var home = IpLiterals.require("10.1.2.3");
        var web = cfg.inventory().staticTargets().get(0);
        try (JdbcGrantStore store = GrantStores.open(cfg.grants())) {
            GrantService gateway = new GrantService(store, cfg.roles(),
                    () -> InventorySnapshot.of(cfg.inventory().staticTargets(), Instant.EPOCH), new MemoryAuditSink(), Clock.systemUTC());
            List<Grant> ended = Collections.synchronizedList(new ArrayList<>());
            gateway.addListener(ended::add);
            Grant g = gateway.request(new GrantRequest(cfg.users().get("dave"), "web_0", Set.of(22), Duration.ofHours(1), null, null, home));
            try (GrantMaintenance m = new GrantMaintenance(gateway, cfg.grants().pollInterval()).start()) {
                Result list = grants(config, "list");
                assertEquals(0, list.code(), list.err());
                assertTrue(list.out().contains(g.id()) && list.out().contains("active"), list.out());

                Result bad = grants(config, "revoke", "nope");
                assertEquals(1, bad.code());
                assertTrue(bad.err().contains("no grant with id 'nope'"), bad.err());

                Result revoke = grants(config, "revoke", g.id(), "--reason", "incident closed", "--json");
                assertEquals(0, revoke.code(), revoke.err());
                assertTrue(revoke.out().contains("\"state\":\"revoked\""), revoke.out());
                assertTrue(revoke.out().contains("\"decidedBy\":\"operator:"), revoke.out());
                Poll.until(Duration.ofSeconds(5), "the gateway to drop the revoked grant",
                        () -> gateway.lookup().find("dave", web, 22, home).isEmpty());
                Poll.until(Duration.ofSeconds(5), "the grant-ended listener", () -> ended.size() == 1);
                assertEquals(GrantState.REVOKED, ended.get(0).state());
            }
        }
        String operatorAudit = Files.readString(dir.resolve("data/audit/operator-audit.jsonl"));
        assertTrue(operatorAudit.contains("grant.revoked") && operatorAudit.contains("grant.refused"), operatorAudit);
    }

    @Test
    void badConfigIsAUsageError() {
        Result r = grants(dir.resolve("missing.yaml"), "list");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("config file not found"), r.err());
    }

    @Test
    void sudoUserNamesTheOperatorOnlyWhenSudoMadeThisProcessRootOrTheDataDirectorysOwner() {
        assertEquals("carol", GrantsCommand.operatorName("carol", 0, 998, "root"), "sudo jumpgate grants ...");
        assertEquals("carol", GrantsCommand.operatorName("carol", 998, 998, "jumpgate"), "sudo -u jumpgate jumpgate grants ...");
        assertEquals("bob", GrantsCommand.operatorName("carol", 1001, 998, "bob"),
                "SUDO_USER=carol set by bob himself: he stays bob, so he cannot approve his own grant as carol");
        assertEquals("bob", GrantsCommand.operatorName("carol", 1001, -1, "bob"), "data directory owner unknown");
        assertEquals("root", GrantsCommand.operatorName(" ", 0, 998, "root"));
        assertEquals("jumpgate", GrantsCommand.operatorName(null, 998, 998, "jumpgate"));
        assertTrue(GrantsCommand.processUid() >= 0, "read from /proc on Linux");
        assertEquals(GrantsCommand.processUid(), GrantsCommand.ownerUid(dir), "the test made the directory");
        assertEquals(-1, GrantsCommand.ownerUid(dir.resolve("missing")));
    }

    /**
     * The data directory is 0700 jumpgate, and the README runs the CLI as {@code sudo -u jumpgate jumpgate ...}: the
     * operator is then the person behind sudo (before, every operator was "operator:jumpgate", so alice could approve
     * her own grant and the record named no person); the audit keeps both names.
     */
    @Test
    void anOperatorRunningTheCliThroughSudoAsTheServiceUserCannotApproveTheirOwnGrantAndIsAuditedByBothNames() {
        MemoryAuditSink audit = new MemoryAuditSink();
        GrantService service = new GrantService(new io.jumpgate.core.grant.MemoryGrantStore(),
                java.util.Map.of("dev", JitCommandTest.DEV, "prod", JitCommandTest.PROD, "sec", JitCommandTest.SEC),
                () -> InventorySnapshot.of(List.of(JitCommandTest.WEB, JitCommandTest.DB), Instant.EPOCH), audit,
                io.jumpgate.testkit.MutableClock.at("2026-11-21T10:00:00Z"));
        JitCommand jit = new JitCommand(service);
        Grant g = service.request(new GrantRequest(JitCommandTest.ALICE, "db_0", Set.of(3389), Duration.ofMinutes(30), "INC-1",
                null, JitCommandTest.HOME));

        String name = GrantsCommand.operatorName("alice", 998 /* jumpgate */, 998, "jumpgate");
        var operator = io.jumpgate.core.grant.Actor.operator(name, "jumpgate", "alice");
        java.io.PrintStream out = new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true);
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        assertEquals(1, jit.runAsOperator(operator, List.of("approve", g.id()), out, new java.io.PrintStream(err, true)));
        assertTrue(err.toString().contains("you cannot approve your own grant"), err.toString());
        assertEquals(GrantState.PENDING, service.find(g.id()).orElseThrow().state());

        var refused = audit.matching(ev -> ev.type() == io.jumpgate.core.audit.AuditType.GRANT_REFUSED).get(0);
        assertEquals("operator:alice", refused.user());
        assertEquals("jumpgate", refused.fields().get("processUser"));
        assertEquals("alice", refused.fields().get("sudoUser"));

        var carol = io.jumpgate.core.grant.Actor.operator("carol", "jumpgate", "carol");
        assertEquals(0, jit.runAsOperator(carol, List.of("approve", g.id()), out, out));
        var approved = audit.matching(ev -> ev.type() == io.jumpgate.core.audit.AuditType.GRANT_APPROVED).get(0);
        assertEquals("operator:carol", approved.user());
        assertEquals("jumpgate", approved.fields().get("processUser"));
        assertEquals("carol", approved.fields().get("sudoUser"));
    }
}
