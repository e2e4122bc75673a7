package io.jumpgate.config;

import io.jumpgate.core.policy.RecordingMode;
import io.jumpgate.core.target.PowerState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {
    static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE4uv8vNlq0ImWjOq0pKD7yNLV6W6HPE2kLhK1n6TRsS alice@laptop";

    static final String GOOD = """
            dataDir: /var/lib/jumpgate
            ssh:
              listen: 0.0.0.0:2222
            limits:
              allowLoopbackTargets: true
              idleTimeout: 30m
            roles:
              - name: ops
                targets: ["web_*"]
                ports: [ssh, rdp]
                allowFrom: [10.0.0.0/8]
                recording: on
              - name: secops
                tags: {tier: db}
                ports: [22]
                jit: {required: true, maxDuration: 2h, approval: true, approvers: [ops]}
            users:
              - name: alice
                authorizedKeys: ["%s"]
                roles: [ops, secops]
            inventory:
              static:
                - name: web_0
                  address: 127.0.0.2
                  aliases: [web0]
                  tags: {tier: web}
                - name: web_1
                  address: 10.0.0.5
                  state: deallocated
            rdp:
              listen: 127.0.0.1
              mappings:
                - name: web
                  natPool: {frontendPortRangeStart: 50000, frontendPortRangeEnd: 50009, targets: ["web_*"]}
                - name: one
                  port: 50100
                  target: web_0
            """.formatted(KEY);

    @Test
    void parsesAGoodConfig() {
        JumpgateConfig c = ConfigLoader.parse(GOOD);
        assertEquals("0.0.0.0", c.ssh().listenHost());
        assertEquals(2222, c.ssh().listenPort());
        assertTrue(c.ssh().hostKey().toString().startsWith("/var/lib/jumpgate"));
        assertEquals(RecordingMode.ON, c.roles().get("ops").recording());
        assertEquals(Duration.ofHours(2), c.roles().get("secops").jit().maxDuration());
        assertEquals(2, c.inventory().staticTargets().size());
        assertEquals(PowerState.DEALLOCATED, c.inventory().staticTargets().get(1).state());
        assertEquals(2, c.rdp().mappings().size());
        assertEquals(Duration.ofMinutes(30), c.limits().idleTimeout());
        assertEquals(GrantStoreSettings.Kind.H2, c.grants().kind());
    }

    @Test
    void anEmptyJitBlockLetsTheRoleIssueGrantsAndNoBlockGivesStandingAccessOnly() {
        JumpgateConfig c = ConfigLoader.parse(GOOD.replace("recording: on", "recording: on\n    jit: {}"));
        assertTrue(c.roles().get("ops").issuesGrants(), "jit: {} is a block");
        assertTrue(c.roles().get("secops").issuesGrants());
        assertFalse(ConfigLoader.parse(GOOD).roles().get("ops").issuesGrants(), "no jit: block");
    }

    static Stream<Arguments> badConfigs() {
        return Stream.of(
                Arguments.of("unknown top-level key", GOOD + "colour: blue\n", "colour", "unknown key 'colour'"),
                Arguments.of("unknown nested key", GOOD.replace("recording: on", "recording: on\n    recordng: off"),
                        "roles[0].recordng", "unknown key"),
                Arguments.of("wrong type", GOOD.replace("idleTimeout: 30m", "idleTimeout: [1, 2]"), "limits.idleTimeout",
                        "expected a single value"),
                Arguments.of("bad duration", GOOD.replace("idleTimeout: 30m", "idleTimeout: soon"), "limits.idleTimeout",
                        "not a duration"),
                Arguments.of("duplicate target", GOOD.replace("name: web_1", "name: web_0"), "inventory.static[1].name",
                        "duplicate target name"),
                Arguments.of("duplicate alias", GOOD.replace("name: web_1", "name: web0"), "inventory.static[1].name",
                        "duplicate target name or alias 'web0'"),
                Arguments.of("bad address", GOOD.replace("10.0.0.5", "10.0.0.500"), "inventory.static[1].address",
                        "not an IP address"),
                Arguments.of("host name as address", GOOD.replace("10.0.0.5", "web1.internal"), "inventory.static[1].address",
                        "not an IP address"),
                Arguments.of("metadata endpoint as target", GOOD.replace("10.0.0.5", "169.254.169.254"),
                        "inventory.static[1].address", "link-local"),
                Arguments.of("gateway loopback as target", GOOD.replace("127.0.0.2", "127.0.0.1"),
                        "inventory.static[0].address", "gateway host itself"),
                Arguments.of("loopback without the flag", GOOD.replace("allowLoopbackTargets: true", "allowLoopbackTargets: false"),
                        "inventory.static[0].address", "allowLoopbackTargets"),
                Arguments.of("bad CIDR", GOOD.replace("10.0.0.0/8", "10.0.0.1/8"), "roles[0].allowFrom[0]", "host bits"),
                Arguments.of("allowFrom on a role that requires a grant", GOOD.replace("recording: on",
                        "recording: on\n    jit: {required: true}"), "roles[0].allowFrom", "never admit"),
                Arguments.of("allowFrom on a role that requires recording", GOOD.replace("recording: on",
                        "recording: required"), "roles[0].allowFrom", "cannot be recorded"),
                Arguments.of("unknown role", GOOD.replace("roles: [ops, secops]", "roles: [ops, admins]"), "users[0].roles[1]",
                        "unknown role 'admins'"),
                Arguments.of("unknown approver role", GOOD.replace("approvers: [ops]", "approvers: [cab]"),
                        "roles[1].jit.approvers", "unknown role 'cab'"),
                Arguments.of("bad port", GOOD.replace("ports: [ssh, rdp]", "ports: [ssh, telnet]"), "roles[0].ports[1]",
                        "not a port"),
                Arguments.of("bad authorized key", GOOD.replace(KEY, "ssh-ed25519 not-base64!"), "users[0].authorizedKeys[0]",
                        "authorized_keys"),
                Arguments.of("bad listen address", GOOD.replace("0.0.0.0:2222", "gateway:2222"), "ssh.listen",
                        "not an IP address"),
                Arguments.of("overlapping RDP ports", GOOD.replace("port: 50100", "port: 50005"), "rdp.mappings[1].port",
                        "already used by mapping 'web'"),
                Arguments.of("unknown RDP target", GOOD.replace("target: web_0", "target: web_9"), "rdp.mappings[1].target",
                        "unknown target 'web_9'"),
                Arguments.of("bad enum", GOOD.replace("recording: on", "recording: always"), "roles[0].recording",
                        "expected one of [off, on, required]"),
                Arguments.of("duplicate YAML key", GOOD.replace("dataDir: /var/lib/jumpgate", "dataDir: a\ndataDir: b"),
                        "dataDir", "duplicate key"),
                Arguments.of("invalid YAML", "roles: [unclosed\n", "", "not valid YAML"),
                Arguments.of("role without ports", GOOD.replace("    ports: [22]\n", ""), "roles[1].ports", "allows no ports"),
                Arguments.of("postgresql without url", GOOD + "grants:\n  store: postgresql\n", "grants.jdbcUrl", "jdbcUrl"),
                // YAML 1.1 booleans other than true/false were read as false: `required: yes` gave standing access.
                Arguments.of("yes for a boolean", GOOD.replace("required: true", "required: yes"), "roles[1].jit.required",
                        "expected true or false, found 'yes'"),
                Arguments.of("on for a boolean", GOOD.replace("allowLoopbackTargets: true", "allowLoopbackTargets: on"),
                        "limits.allowLoopbackTargets", "expected true or false, found 'on'"),
                Arguments.of("YAML alias", GOOD.replace("targets: [\"web_*\"]", "targets: &webs [\"web_*\"]")
                        .replace("tags: {tier: db}", "targets: *webs"), "roles[1].targets", "YAML aliases (*webs)"),
                Arguments.of("second YAML document", GOOD + "---\nlimits: {idleTimeout: 1m}\n", "", "more than one YAML document"),
                Arguments.of("database settings under H2", GOOD + "grants:\n  jdbcUrl: jdbc:postgresql://db:5432/jg\n",
                        "grants.jdbcUrl", "only used with store: postgresql"),
                Arguments.of("alias that is an IP address", GOOD.replace("aliases: [web0]", "aliases: [web0, 10.0.0.5]"),
                        "inventory.static[0].aliases", "is an IP address"),
                Arguments.of("empty target glob", GOOD.replace("targets: [\"web_*\"]\n    ports", "targets: [\"\"]\n    ports"),
                        "roles[0].targets", "empty target glob"),
                Arguments.of("empty NAT pool glob", GOOD.replace("targets: [\"web_*\"]}", "targets: [\"\"]}"),
                        "rdp.mappings[0].natPool.targets", "empty target glob"),
                Arguments.of("unreadable revocation list", GOOD.replace("listen: 0.0.0.0:2222",
                        "listen: 0.0.0.0:2222\n  revokedKeys: /nonexistent/revoked_keys"), "ssh.revokedKeys",
                        "cannot read /nonexistent/revoked_keys"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badConfigs")
    void badConfigNamesTheKey(String what, String yaml, String path, String message) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml));
        assertEquals(path, e.path(), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
        if (!path.isEmpty()) {
            assertTrue(e.line() > 0, "line is reported: " + e.getMessage());
            assertTrue(e.getMessage().contains("at " + path + " (line "), e.getMessage());
        }
    }

    @Test
    void missingFileIsAClearError() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(java.nio.file.Path.of("/nonexistent/j.yaml")));
        assertTrue(e.getMessage().contains("config file not found"), e.getMessage());
    }
}
