package io.jumpgate.config;

import io.jumpgate.config.azure.AzureSettings;
import io.jumpgate.config.azure.BlobArchiveSettings;
import io.jumpgate.config.azure.NsgJitSettings;
import io.jumpgate.core.policy.Cidr;
import io.jumpgate.core.policy.JitPolicy;
import io.jumpgate.core.policy.Ports;
import io.jumpgate.core.policy.RecordingMode;
import io.jumpgate.core.policy.Role;
import io.jumpgate.core.policy.TargetSelector;
import io.jumpgate.core.policy.User;
import io.jumpgate.core.target.PowerState;
import io.jumpgate.core.target.Target;
import io.jumpgate.core.util.IpLiterals;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads and validates the YAML configuration once, at start. Every problem stops start-up with a
 * {@link ConfigException} naming the key path and line. One method per section.
 */
public final class ConfigLoader {
    private static final Set<String> TOP = Set.of("dataDir", "ssh", "rdp", "users", "roles", "inventory", "audit",
            "recordings", "grants", "limits", "sessions");

    private ConfigLoader() {}

    public static JumpgateConfig load(Path file) {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(r);
        } catch (NoSuchFileException e) {
            throw new ConfigException("", 0, "config file not found: " + file);
        } catch (IOException e) {
            throw new ConfigException("", 0, "cannot read config file " + file + ": " + e.getMessage());
        }
    }

    public static JumpgateConfig parse(String yaml) {
        return parse(new StringReader(yaml));
    }

    public static JumpgateConfig parse(Reader reader) {
        Section root = Section.of(YamlTree.parse(reader), TOP);
        Path dataDir = root.path("dataDir", Path.of("data"));
        Limits limits = limits(root);
        Map<String, Role> roles = roles(root);
        Map<String, User> users = users(root, roles);
        InventorySettings inventory = inventory(root, limits);
        SshSettings ssh = ssh(root, dataDir);
        RdpSettings rdp = rdp(root, inventory);
        AuditSettings audit = audit(root, dataDir);
        RecordingSettings recordings = recordings(root, dataDir);
        GrantStoreSettings grants = grants(root, dataDir);
        SessionSettings sessions = sessions(root, dataDir);
        return new JumpgateConfig(dataDir, ssh, rdp, users, roles, inventory, audit, recordings, grants, limits, sessions);
    }

    // ---- limits

    static Limits limits(Section root) {
        Section s = root.section("limits", Set.of("loginGraceTime", "maxAuthAttempts", "idleTimeout",
                "allowLoopbackTargets", "terminateOnExpiry")).orElse(null);
        if (s == null) {
            return new Limits(Duration.ofSeconds(30), 3, Duration.ofMinutes(15), false, false);
        }
        return new Limits(positive(s, "loginGraceTime", Duration.ofSeconds(30)), s.integer("maxAuthAttempts", 3, 1, 100),
                positive(s, "idleTimeout", Duration.ofMinutes(15)), s.bool("allowLoopbackTargets", false),
                s.bool("terminateOnExpiry", false));
    }

    private static Duration positive(Section s, String key, Duration dflt) {
        Duration d = s.duration(key, dflt);
        if (d.isZero() || d.isNegative()) {
            throw s.error(key, "must be a positive duration");
        }
        return d;
    }

    // ---- roles and users

    static Map<String, Role> roles(Section root) {
        List<Section> list = root.sections("roles", Set.of("name", "targets", "tags", "ports", "allowFrom", "recording", "jit"));
        Map<String, Role> roles = new LinkedHashMap<>();
        Map<String, Section> approverRefs = new HashMap<>();
        for (Section s : list) {
            String name = s.requireString("name");
            if (roles.containsKey(name)) {
                throw s.error("name", "duplicate role name '" + name + "'");
            }
            List<String> globs = s.strings("targets");
            Map<String, String> tags = s.stringMap("tags");
            if (globs.isEmpty() && tags.isEmpty()) {
                throw s.error("targets", "role '" + name + "' selects no targets: give 'targets' (name globs) or 'tags'");
            }
            Set<Integer> ports = new LinkedHashSet<>(s.list("ports", Ports::parse));
            if (ports.isEmpty()) {
                throw s.error("ports", "role '" + name + "' allows no ports: give e.g. ports: [ssh, rdp]");
            }
            List<Cidr> allowFrom = s.list("allowFrom", Cidr::parse);
            RecordingMode recording = s.enumValue("recording", RecordingMode.OFF, RecordingMode.class);
            JitPolicy jit = JitPolicy.NONE;
            var js = s.section("jit", Set.of("required", "maxDuration", "approval", "approvers", "maxActiveGrants",
                    "reasonRequired", "allowFrom"));
            if (js.isPresent()) {
                Section j = js.get();
                jit = new JitPolicy(j.bool("required", false), positive(j, "maxDuration", Duration.ofHours(8)),
                        j.bool("approval", false), j.strings("approvers"), j.integer("maxActiveGrants", 5, 1, 1000),
                        j.bool("reasonRequired", false), j.bool("allowFrom", false));
                if (jit.approval() && jit.approverRoles().isEmpty()) {
                    throw j.error("approvers", "approval is required but no approver roles are named");
                }
                approverRefs.put(name, j);
            }
            // allowFrom is standing access for relayed (RDP) connections: it would silently never admit in these two
            // cases, so say so rather than let an operator believe a source block is open (or closed).
            if (!allowFrom.isEmpty() && jit.required()) {
                throw s.error("allowFrom", "role '" + name + "' requires a grant (jit.required), so it gives no standing"
                        + " access and allowFrom would never admit; to let members name a source block with --from,"
                        + " set jit.allowFrom: true");
            }
            if (!allowFrom.isEmpty() && recording == RecordingMode.REQUIRED) {
                throw s.error("allowFrom", "role '" + name + "' requires recording, and relayed (RDP) connections, which"
                        + " allowFrom admits, cannot be recorded");
            }
            roles.put(name, new Role(name, selector(s, globs, tags), ports, allowFrom, jit, recording));
        }
        for (var e : approverRefs.entrySet()) {
            for (String a : roles.get(e.getKey()).jit().approverRoles()) {
                if (!roles.containsKey(a)) {
                    throw e.getValue().error("approvers", "unknown role '" + a + "'");
                }
            }
        }
        return roles;
    }

    static Map<String, User> users(Section root, Map<String, Role> roles) {
        Map<String, User> users = new LinkedHashMap<>();
        for (Section s : root.sections("users", Set.of("name", "authorizedKeys", "roles"))) {
            String name = s.requireString("name");
            if (!name.matches("[a-z_][a-z0-9_.\\-]{0,63}")) {
                throw s.error("name", "invalid user name '" + name + "' (lower case letters, digits, _ . -)");
            }
            if (users.containsKey(name)) {
                throw s.error("name", "duplicate user name '" + name + "'");
            }
            List<String> keys = s.list("authorizedKeys", ConfigLoader::checkAuthorizedKey);
            List<String> userRoles = s.strings("roles");
            for (int i = 0; i < userRoles.size(); i++) {
                if (!roles.containsKey(userRoles.get(i))) {
                    var n = s.raw("roles");
                    throw n instanceof YamlTree.ListNode l
                            ? Section.error(l.items().get(i), "unknown role '" + userRoles.get(i) + "'")
                            : s.error("roles", "unknown role '" + userRoles.get(i) + "'");
                }
            }
            users.put(name, new User(name, keys, userRoles));
        }
        return users;
    }

    private static final Set<String> KEY_TYPES = Set.of("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256",
            "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com",
            "sk-ecdsa-sha2-nistp256@openssh.com");

    /** Checks the shape of an authorized_keys line (options, type, base64 blob); the SSH server parses it fully. */
    static String checkAuthorizedKey(String line) {
        String[] parts = line.trim().split("\\s+");
        for (int i = 0; i + 1 < parts.length && i < 2; i++) {
            if (KEY_TYPES.contains(parts[i])) {
                try {
                    byte[] blob = Base64.getDecoder().decode(parts[i + 1]);
                    if (blob.length < 16) {
                        throw new IllegalArgumentException("key data is too short");
                    }
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("not an authorized_keys line: bad key data (" + e.getMessage() + ")");
                }
                return line.trim();
            }
        }
        throw new IllegalArgumentException("not an authorized_keys line (expected e.g. 'ssh-ed25519 AAAA… comment')");
    }

    // ---- inventory

    static InventorySettings inventory(Section root, Limits limits) {
        Section inv = root.section("inventory", Set.of("static", "azure")).orElse(null);
        if (inv == null) {
            return new InventorySettings(List.of());
        }
        List<Target> targets = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Section s : inv.sections("static", Set.of("name", "aliases", "address", "tags", "instanceId", "state"))) {
            String name = s.requireString("name");
            List<String> aliases = s.strings("aliases");
            InetAddress address = s.parsed("address", null, IpLiterals::require);
            if (address == null) {
                throw s.error("address", "required key 'address' is missing");
            }
            checkTargetAddress(s, address, limits);
            for (String n : concat(name, aliases)) {
                if (IpLiterals.parse(n).isPresent()) {
                    // An IP literal only ever reaches the target at that address: as a name it would be unreachable.
                    throw s.error(n.equals(name) ? "name" : "aliases", "target name or alias '" + n + "' is an IP address");
                }
                if (!names.add(n.toLowerCase(Locale.ROOT))) {
                    throw s.error(n.equals(name) ? "name" : "aliases", "duplicate target name or alias '" + n + "'");
                }
            }
            PowerState state = s.enumValue("state", PowerState.RUNNING, PowerState.class);
            try {
                targets.add(new Target(name, aliases, address, s.stringMap("tags"), s.string("instanceId", name), state, "static"));
            } catch (IllegalArgumentException e) {
                throw s.error("name", e.getMessage());
            }
        }
        return new InventorySettings(targets, azureInventory(inv));
    }

    private static final java.util.regex.Pattern GUID =
            java.util.regex.Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    /** {@code inventory.azure}: scale sets by name or tag, the identity to read them with, and the cloud's endpoints. */
    static AzureSettings azureInventory(Section inv) {
        Section s = inv.section("azure", Set.of("subscriptionId", "tenantId", "credential", "scaleSets", "tagSelector",
                "includeVms", "refreshInterval", "maxStaleness", "cloud", "endpoint", "nsgJit")).orElse(null);
        if (s == null) return null;
        String subscription = s.requireString("subscriptionId");
        if (!GUID.matcher(subscription).matches()) throw s.error("subscriptionId", "not a subscription id (a GUID): '" + subscription + "'");
        String tenant = s.string("tenantId", null);
        if (tenant != null && !GUID.matcher(tenant).matches()) throw s.error("tenantId", "not a tenant id (a GUID): '" + tenant + "'");
        AzureSettings.Credential credential = azureCredential(s, "credential", tenant);
        List<AzureSettings.ScaleSetRef> sets = new ArrayList<>();
        for (Section v : s.sections("scaleSets", Set.of("resourceGroup", "name"))) {
            String rg = v.requireString("resourceGroup");
            if (!rg.matches("[-\\w._()]{1,90}")) throw v.error("resourceGroup", "not a resource group name: '" + rg + "'");
            String name = v.requireString("name");
            if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}")) throw v.error("name", "not a scale set name: '" + name + "'");
            sets.add(new AzureSettings.ScaleSetRef(rg, name));
        }
        Map<String, String> selector = s.stringMap("tagSelector");
        if (sets.isEmpty() && selector.isEmpty()) {
            throw s.error("scaleSets", "inventory.azure selects nothing: give 'scaleSets' and/or 'tagSelector'");
        }
        Duration every = positive(s, "refreshInterval", Duration.ofSeconds(30));
        if (every.compareTo(Duration.ofSeconds(5)) < 0) {
            throw s.error("refreshInterval", "at least 5s (Azure Resource Manager throttles readers)");
        }
        Duration maxStaleness = positive(s, "maxStaleness", AzureSettings.MAX_STALENESS);
        if (maxStaleness.compareTo(every) <= 0) {
            throw s.error("maxStaleness", "must be longer than refreshInterval (" + every + ")");
        }
        AzureSettings.Endpoints endpoints = s.parsed("cloud", AzureSettings.Endpoints.AZURE_PUBLIC, AzureSettings.Endpoints::ofCloud);
        var ep = s.section("endpoint", Set.of("resourceManager", "activeDirectory", "tokenAudience"));
        if (ep.isPresent()) {
            Section e = ep.get();
            endpoints = new AzureSettings.Endpoints(
                    e.parsed("resourceManager", endpoints.resourceManager(), ConfigLoader::httpsUrl),
                    e.parsed("activeDirectory", endpoints.activeDirectory(), ConfigLoader::httpsUrl),
                    e.parsed("tokenAudience", endpoints.tokenAudience(), ConfigLoader::httpsUrl));
        }
        return new AzureSettings(subscription, tenant, credential, sets, selector, s.bool("includeVms", false), every, endpoints,
                nsgJit(s), maxStaleness);
    }

    /** {@code inventory.azure.nsgJit}: {@code {enabled: true, gatewayId: gw1, sweepInterval: 30s}}; null when not enabled. */
    static NsgJitSettings nsgJit(Section azure) {
        Section s = azure.section("nsgJit", Set.of("enabled", "gatewayId", "sweepInterval")).orElse(null);
        if (s == null || !s.bool("enabled", false)) return null;
        String id = s.string("gatewayId", "jumpgate");
        Duration every = positive(s, "sweepInterval", Duration.ofSeconds(30));
        try {
            return new NsgJitSettings(id, every);
        } catch (IllegalArgumentException e) {
            throw s.error("gatewayId", e.getMessage());
        }
    }

    /** {@code managedIdentity}, {@code defaultAzureCredential}, or a mapping with {@code type} and its keys. */
    static AzureSettings.Credential azureCredential(Section s, String key, String tenant) {
        YamlTree.Node n = s.raw(key);
        if (n == null || (n instanceof YamlTree.Scalar sc && sc.type() == YamlTree.ScalarType.NULL)) {
            return new AzureSettings.ManagedIdentity(null);
        }
        String type;
        Section c = null;
        if (n instanceof YamlTree.Scalar) {
            type = Section.parseScalar(n, t -> t);
        } else {
            c = Section.of(n, Set.of("type", "clientId", "clientSecretEnv", "certificate"));
            type = c.requireString("type");
        }
        switch (type) {
            case "managedIdentity":
                return new AzureSettings.ManagedIdentity(c == null ? null : c.string("clientId", null));
            case "defaultAzureCredential":
                return new AzureSettings.DefaultChain();
            case "servicePrincipal": {
                if (c == null) throw Section.error(n, "servicePrincipal needs clientId and clientSecretEnv or certificate");
                if (tenant == null) throw s.error("tenantId", "a service principal needs tenantId");
                String clientId = c.requireString("clientId");
                String env = c.string("clientSecretEnv", null);
                Path cert = c.path("certificate", null);
                if ((env == null) == (cert == null)) {
                    throw c.error("clientSecretEnv", "give exactly one of clientSecretEnv and certificate");
                }
                if (env != null && (System.getenv(env) == null || System.getenv(env).isEmpty())) {
                    throw c.error("clientSecretEnv", "environment variable " + env + " is not set");
                }
                if (cert != null && !Files.isReadable(cert)) throw c.error("certificate", "cannot read " + cert);
                return new AzureSettings.ServicePrincipal(clientId, env, cert);
            }
            default: {
                String problem = "unknown credential '" + type + "' (managedIdentity, defaultAzureCredential, servicePrincipal)";
                throw c == null ? Section.error(n, problem) : c.error("type", problem);
            }
        }
    }

    private static java.net.URI httpsUrl(String text) {
        java.net.URI u;
        try {
            u = new java.net.URI(text.endsWith("/") ? text : text + "/");
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: '" + text + "'");
        }
        if (!"https".equalsIgnoreCase(u.getScheme()) || u.getHost() == null) {
            throw new IllegalArgumentException("expected an https:// URL (tokens are never sent in clear), found '" + text + "'");
        }
        return u;
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> l = new ArrayList<>();
        l.add(first);
        l.addAll(rest);
        return l;
    }

    /** Refuses target addresses that would turn the gateway against itself or the cloud's metadata service. */
    public static void checkTargetAddress(Section s, InetAddress a, Limits limits) {
        String problem = targetAddressProblem(a, limits.allowLoopbackTargets());
        if (problem != null) {
            throw s.error("address", problem);
        }
    }

    /** Why {@code a} cannot be a target address, or null when it can (shared by static and discovered inventories). */
    public static String targetAddressProblem(InetAddress a, boolean allowLoopbackTargets) {
        if (a.isAnyLocalAddress() || a.isMulticastAddress()) {
            return "address " + a.getHostAddress() + " cannot be a target";
        }
        if (a.isLinkLocalAddress()) {
            return "link-local address " + a.getHostAddress() + " cannot be a target (metadata endpoints live there)";
        }
        if (a.isLoopbackAddress()) {
            byte[] b = a.getAddress();
            boolean hostLoopback = b.length == 16 || (b[1] == 0 && b[2] == 0 && b[3] == 1);
            if (hostLoopback) {
                return "address " + a.getHostAddress() + " is the gateway host itself";
            }
            if (!allowLoopbackTargets) {
                return "loopback address " + a.getHostAddress()
                        + " is a target only with limits.allowLoopbackTargets: true (for demos and tests)";
            }
        }
        return null;
    }

    // ---- listeners

    static SshSettings ssh(Section root, Path dataDir) {
        Section s = root.section("ssh", Set.of("listen", "hostKey", "trustedUserCaKeys", "passwordAuthentication",
                "keyboardInteractive", "revokedKeys")).orElse(null);
        if (s == null) {
            return new SshSettings("127.0.0.1", 2222, dataDir.resolve("ssh_host_ed25519_key"), List.of(), false, false, null);
        }
        String listen = s.string("listen", "127.0.0.1:2222");
        HostPort hp = Section.parseScalar(s.raw("listen") == null ? new YamlTree.Scalar(s.path() + ".listen", s.line(),
                listen, YamlTree.ScalarType.STRING) : s.raw("listen"), HostPort::parse);
        List<String> cas = s.list("trustedUserCaKeys", ConfigLoader::checkAuthorizedKey);
        Path revoked = s.path("revokedKeys", null);
        if (revoked != null && !java.nio.file.Files.isReadable(revoked)) {
            // Checked again (and parsed) when the gateway starts; while running, an unreadable list refuses every key.
            throw s.error("revokedKeys", "cannot read " + revoked + " (create it, even empty, before starting)");
        }
        return new SshSettings(hp.host(), hp.port(), s.path("hostKey", dataDir.resolve("ssh_host_ed25519_key")), cas,
                s.bool("passwordAuthentication", false), s.bool("keyboardInteractive", false), revoked);
    }

    /** {@code host:port} with a literal IP host (never a name: the gateway does not resolve its own config either). */
    record HostPort(String host, int port) {
        static HostPort parse(String text) {
            int i = text.lastIndexOf(':');
            if (i <= 0) throw new IllegalArgumentException("expected address:port, e.g. 0.0.0.0:2222, found '" + text + "'");
            String host = text.substring(0, i);
            InetAddress a = IpLiterals.require(host);
            int port;
            try {
                port = Integer.parseInt(text.substring(i + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad port in '" + text + "'");
            }
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range in '" + text + "'");
            return new HostPort(a.getHostAddress(), port);
        }
    }

    static RdpSettings rdp(Section root, InventorySettings inventory) {
        Section s = root.section("rdp", Set.of("listen", "mappings", "preambleTimeout", "preambleMaxBytes",
                "connectTimeout", "idleTimeout", "maxDuration")).orElse(null);
        if (s == null) {
            return RdpSettings.disabled();
        }
        String listen = s.parsed("listen", "127.0.0.1", h -> IpLiterals.require(h).getHostAddress());
        List<RdpSettings.Mapping> mappings = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Map<Integer, String> usedPorts = new HashMap<>();
        for (Section m : s.sections("mappings", Set.of("name", "natPool", "port", "target", "backendPort", "raw"))) {
            String name = m.requireString("name");
            if (!names.add(name)) throw m.error("name", "duplicate mapping name '" + name + "'");
            boolean raw = m.bool("raw", false);
            int backend = m.integer("backendPort", 3389, 1, 65535);
            var pool = m.section("natPool", Set.of("frontendPortRangeStart", "frontendPortRangeEnd", "targets", "tags"));
            if (pool.isPresent()) {
                if (m.has("port") || m.has("target")) {
                    throw m.error("natPool", "a mapping is either a natPool or a named port/target, not both");
                }
                Section p = pool.get();
                int start = p.integer("frontendPortRangeStart", -1, 1, 65535);
                int end = p.integer("frontendPortRangeEnd", -1, 1, 65535);
                if (start < 0) throw p.error("frontendPortRangeStart", "required key 'frontendPortRangeStart' is missing");
                if (end < 0) throw p.error("frontendPortRangeEnd", "required key 'frontendPortRangeEnd' is missing");
                if (end < start) throw p.error("frontendPortRangeEnd", "range end " + end + " is below start " + start);
                if (end - start >= 1000) throw p.error("frontendPortRangeEnd", "a NAT pool spans at most 1000 ports");
                TargetSelector sel = selector(p, p.strings("targets"), p.stringMap("tags"));
                if (sel.isEmpty()) throw p.error("targets", "natPool selects no targets: give 'targets' or 'tags'");
                for (int port = start; port <= end; port++) claimPort(usedPorts, port, name, p, "frontendPortRangeStart");
                mappings.add(new RdpSettings.NatPool(name, start, end, backend, sel, raw));
            } else {
                int port = m.integer("port", -1, 1, 65535);
                if (port < 0) throw m.error("port", "a mapping needs 'natPool' or 'port' and 'target'");
                String target = m.requireString("target");
                if (!inventory.staticTargets().isEmpty() && inventory.azure() == null
                        && inventory.staticTargets().stream().noneMatch(t -> t.answersTo(target))) {
                    throw m.error("target", "unknown target '" + target + "'");
                }
                claimPort(usedPorts, port, name, m, "port");
                mappings.add(new RdpSettings.Named(name, port, target, backend, raw));
            }
        }
        Duration max = s.has("maxDuration") ? positive(s, "maxDuration", null) : null;
        return new RdpSettings(listen, mappings, positive(s, "preambleTimeout", Duration.ofSeconds(10)),
                s.integer("preambleMaxBytes", 1024, 64, 65535), positive(s, "connectTimeout", Duration.ofSeconds(10)),
                positive(s, "idleTimeout", Duration.ofHours(1)), max);
    }

    private static void claimPort(Map<Integer, String> used, int port, String name, Section s, String key) {
        String other = used.putIfAbsent(port, name);
        if (other != null) {
            throw s.error(key, "port " + port + " of mapping '" + name + "' is already used by mapping '" + other + "'");
        }
    }

    // ---- state

    static AuditSettings audit(Section root, Path dataDir) {
        Section s = root.section("audit", Set.of("file", "fsync")).orElse(null);
        Path dflt = dataDir.resolve("audit").resolve("audit.jsonl");
        return s == null ? new AuditSettings(dflt, false) : new AuditSettings(s.path("file", dflt), s.bool("fsync", false));
    }

    static RecordingSettings recordings(Section root, Path dataDir) {
        Section s = root.section("recordings", Set.of("dir", "recordInput", "azureBlob")).orElse(null);
        Path dflt = dataDir.resolve("recordings");
        return s == null ? new RecordingSettings(dflt, false)
                : new RecordingSettings(s.path("dir", dflt), s.bool("recordInput", false), recordingsAzureBlob(s));
    }

    /** {@code recordings.azureBlob}: a container reached with the gateway's identity, or a connection string. */
    static BlobArchiveSettings recordingsAzureBlob(Section recordings) {
        Section s = recordings.section("azureBlob", Set.of("endpoint", "container", "connectionStringEnv", "tenantId",
                "credential")).orElse(null);
        if (s == null) return null;
        java.net.URI endpoint = s.parsed("endpoint", null, ConfigLoader::httpsUrl);
        String env = s.string("connectionStringEnv", null);
        if ((endpoint == null) == (env == null)) {
            throw s.error("endpoint", "give exactly one of 'endpoint' (with the gateway's Azure identity) and 'connectionStringEnv'");
        }
        if (env != null && (System.getenv(env) == null || System.getenv(env).isEmpty())) {
            throw s.error("connectionStringEnv", "environment variable " + env + " is not set");
        }
        String tenant = s.string("tenantId", null);
        String container = s.requireString("container");
        try {
            return new BlobArchiveSettings(endpoint == null ? null : endpoint.toString(), container, env, tenant,
                    endpoint == null ? null : azureCredential(s, "credential", tenant));
        } catch (IllegalArgumentException e) {
            throw s.error("container", e.getMessage());
        }
    }

    /** A selector from a section's {@code targets} and {@code tags}; a bad glob is a config error at {@code targets}. */
    private static TargetSelector selector(Section s, List<String> globs, Map<String, String> tags) {
        try {
            return new TargetSelector(globs, tags);
        } catch (IllegalArgumentException e) {
            throw s.error("targets", e.getMessage());
        }
    }

    static GrantStoreSettings grants(Section root, Path dataDir) {
        Section s = root.section("grants", Set.of("store", "h2File", "jdbcUrl", "username", "password", "passwordEnv",
                "pollInterval")).orElse(null);
        Path h2 = dataDir.resolve("grants");
        if (s == null) {
            return new GrantStoreSettings(GrantStoreSettings.Kind.H2, h2, null, null, null, Duration.ofSeconds(2));
        }
        GrantStoreSettings.Kind kind = s.enumValue("store", GrantStoreSettings.Kind.H2, GrantStoreSettings.Kind.class);
        String url = s.string("jdbcUrl", null);
        if (kind == GrantStoreSettings.Kind.H2) {
            // Database settings under the default H2 store would be ignored: each gateway would keep its own grants.
            for (String k : List.of("jdbcUrl", "username", "password", "passwordEnv")) {
                if (s.has(k)) throw s.error(k, k + " is only used with store: postgresql (the store is H2 here)");
            }
        }
        if (kind == GrantStoreSettings.Kind.POSTGRESQL && (url == null || !url.startsWith("jdbc:postgresql:"))) {
            throw s.error("jdbcUrl", "store: postgresql needs jdbcUrl: jdbc:postgresql://host:5432/db");
        }
        String password = s.string("password", null);
        if (s.has("passwordEnv")) {
            String env = s.requireString("passwordEnv");
            password = System.getenv(env);
            if (password == null) throw s.error("passwordEnv", "environment variable " + env + " is not set");
        }
        return new GrantStoreSettings(kind, s.path("h2File", h2), url, s.string("username", null), password,
                positive(s, "pollInterval", Duration.ofSeconds(2)));
    }

    // ---- recorded sessions

    private static final String LOGIN_NAME = "[a-z_][a-z0-9_.\\-]{0,31}";

    static SessionSettings sessions(Section root, Path dataDir) {
        Section s = root.section("sessions", Set.of("auth", "identityKey", "userCaKey", "certificateValidity", "knownHosts",
                "hostCaKeys", "login", "connectTimeout", "port")).orElse(null);
        Path identity = dataDir.resolve("target_id_ed25519");
        Path knownHosts = dataDir.resolve("known_hosts");
        if (s == null) {
            return new SessionSettings(SessionSettings.Auth.KEY, identity, null, Duration.ofMinutes(5), knownHosts, List.of(),
                    "jumpgate", Map.of(), Duration.ofSeconds(10), 22);
        }
        SessionSettings.Auth auth = s.enumValue("auth", SessionSettings.Auth.KEY, SessionSettings.Auth.class);
        Path ca = s.path("userCaKey", null);
        if (auth == SessionSettings.Auth.CERTIFICATE && ca == null) {
            throw s.error("userCaKey", "auth: certificate needs userCaKey (the gateway user CA private key)");
        }
        Duration validity = positive(s, "certificateValidity", Duration.ofMinutes(5));
        if (validity.compareTo(Duration.ofHours(1)) > 0) {
            throw s.error("certificateValidity", "a per-session certificate is valid at most 1h");
        }
        String login = "jumpgate";
        Map<String, String> overrides = new LinkedHashMap<>();
        var ls = s.section("login", Set.of("default", "targets"));
        if (ls.isPresent()) {
            login = checkLogin(ls.get(), "default", ls.get().string("default", login));
            for (var e : ls.get().stringMap("targets").entrySet()) {
                if (!e.getValue().matches(LOGIN_NAME)) {
                    throw Section.error(((YamlTree.MapNode) ls.get().raw("targets")).entries().get(e.getKey()),
                            "invalid login '" + e.getValue() + "' for '" + e.getKey() + "'");
                }
                overrides.put(e.getKey(), e.getValue());
            }
        }
        return new SessionSettings(auth, s.path("identityKey", identity), ca, validity, s.path("knownHosts", knownHosts),
                s.list("hostCaKeys", ConfigLoader::checkAuthorizedKey), login, overrides,
                positive(s, "connectTimeout", Duration.ofSeconds(10)), s.integer("port", 22, 1, 65535));
    }

    private static String checkLogin(Section s, String key, String login) {
        if (!login.matches(LOGIN_NAME)) throw s.error(key, "invalid login '" + login + "' (lower case letters, digits, _ . -)");
        return login;
    }
}
