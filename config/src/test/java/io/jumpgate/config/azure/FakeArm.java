package io.jumpgate.config.azure;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import reactor.core.publisher.Mono;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local HTTPS stand-in for Azure Resource Manager: scale sets, their instances and NICs, and network
 * security groups whose rules can be PUT and DELETEd. It answers the exact REST paths the SDK calls
 * (matched case-insensitively: the SDK mixes {@code Microsoft.Compute} and {@code microsoft.Compute}),
 * pages lists through {@code nextLink}, checks the bearer token, and can inject faults (429, 401, 403).
 */
final class FakeArm implements AutoCloseable {
    static final String SUB = "00000000-0000-0000-0000-00000000abcd";
    static final String TOKEN = "test-token-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RG = "/subscriptions/[^/]+/resourcegroups/([^/]+)/providers/";

    private final HttpsServer server;
    final String base;
    final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    private final List<Fault> faults = new ArrayList<>();
    volatile int pageSize = 2;

    final Map<String, Vmss> scaleSets = new LinkedHashMap<>();
    final Map<String, Nsg> nsgs = new LinkedHashMap<>();
    /** Subnet id (lower case) to the id of its NSG. */
    final Map<String, String> subnetNsgs = new LinkedHashMap<>();

    static final class Vmss {
        final String rg, name;
        final Map<String, String> tags = new LinkedHashMap<>();
        final TreeMap<Integer, Instance> instances = new TreeMap<>();
        String nicNsgId;
        String subnetId;

        Vmss(String rg, String name) {
            this.rg = rg;
            this.name = name;
        }

        String id() {
            return "/subscriptions/" + SUB + "/resourceGroups/" + rg + "/providers/Microsoft.Compute/virtualMachineScaleSets/" + name;
        }

        Instance add(int id, String ip, String power, String zone) {
            Instance i = new Instance(id, String.format("%s%06d", name, id), ip, power, zone);
            instances.put(id, i);
            return i;
        }

        String vmId(Instance i) {
            return id() + "/virtualMachines/" + i.id;
        }

        String nicId(Instance i) {
            return vmId(i) + "/networkInterfaces/nic0";
        }
    }

    static final class Instance {
        final int id;
        final String computerName;
        volatile String ip, power, zone;
        final Map<String, String> tags = new LinkedHashMap<>();

        Instance(int id, String computerName, String ip, String power, String zone) {
            this.id = id;
            this.computerName = computerName;
            this.ip = ip;
            this.power = power;
            this.zone = zone;
        }
    }

    /** A standalone VM with one NIC. */
    static final class Vm {
        final String rg, name, computerName;
        volatile String ip, power;
        final Map<String, String> tags = new LinkedHashMap<>();

        Vm(String rg, String name, String ip, String power) {
            this.rg = rg;
            this.name = name;
            this.computerName = name.replace("-", "");
            this.ip = ip;
            this.power = power;
        }

        String id() {
            return "/subscriptions/" + SUB + "/resourceGroups/" + rg + "/providers/Microsoft.Compute/virtualMachines/" + name;
        }

        String nicId() {
            return "/subscriptions/" + SUB + "/resourceGroups/" + rg + "/providers/Microsoft.Network/networkInterfaces/" + name + "-nic";
        }
    }

    final List<Vm> vms = new ArrayList<>();

    synchronized Vm vm(String rg, String name, String ip, String power) {
        Vm v = new Vm(rg, name, ip, power);
        vms.add(v);
        return v;
    }

    static final class Nsg {
        final String rg, name;
        final Map<String, Map<String, Object>> rules = new LinkedHashMap<>();

        Nsg(String rg, String name) {
            this.rg = rg;
            this.name = name;
        }

        String id() {
            return "/subscriptions/" + SUB + "/resourceGroups/" + rg + "/providers/Microsoft.Network/networkSecurityGroups/" + name;
        }
    }

    private record Fault(String pathPart, int status, String retryAfter, int[] remaining) {}

    private FakeArm(HttpsServer server) {
        this.server = server;
        this.base = "https://127.0.0.1:" + server.getAddress().getPort();
    }

    static FakeArm start() throws Exception {
        HttpsServer s = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.setHttpsConfigurator(new HttpsConfigurator(TestTls.get().server));
        s.setExecutor(Executors.newFixedThreadPool(4));
        FakeArm arm = new FakeArm(s);
        s.createContext("/", arm::handle);
        s.start();
        return arm;
    }

    AzureSettings.Endpoints endpoints() {
        URI u = URI.create(base + "/");
        return new AzureSettings.Endpoints(u, u, u);
    }

    /** A credential that hands out the fixed test token (the real ones talk to Entra ID). */
    static TokenCredential credential() {
        return request -> Mono.just(new AccessToken(TOKEN, OffsetDateTime.now().plusHours(1)));
    }

    synchronized Vmss scaleSet(String rg, String name) {
        return scaleSets.computeIfAbsent((rg + "/" + name).toLowerCase(Locale.ROOT), k -> new Vmss(rg, name));
    }

    synchronized Nsg nsg(String rg, String name) {
        Nsg n = new Nsg(rg, name);
        return nsgs.computeIfAbsent(n.id().toLowerCase(Locale.ROOT), k -> n);
    }

    synchronized void putRule(Nsg nsg, String name, Map<String, Object> properties) {
        nsg.rules.put(name, new LinkedHashMap<>(properties));
    }

    synchronized Map<String, Map<String, Object>> rules(Nsg nsg) {
        Map<String, Map<String, Object>> copy = new LinkedHashMap<>();
        nsg.rules.forEach((k, v) -> copy.put(k, new LinkedHashMap<>(v)));
        return copy;
    }

    /** The next {@code times} requests whose path contains {@code pathPart} (case-insensitive) get {@code status}. */
    synchronized void fail(String pathPart, int status, int times, String retryAfter) {
        faults.add(new Fault(pathPart.toLowerCase(Locale.ROOT), status, retryAfter, new int[] {times}));
    }

    synchronized void clearFaults() {
        faults.clear();
    }

    long count(String method, String pathPart) {
        synchronized (requests) {
            return requests.stream().filter(r -> r.startsWith(method + " ")
                    && r.toLowerCase(Locale.ROOT).contains(pathPart.toLowerCase(Locale.ROOT))).count();
        }
    }

    // ---- HTTP

    private record Reply(int status, Object body, Map<String, String> headers) {
        static Reply ok(Object body) {
            return new Reply(200, body, Map.of());
        }

        static Reply error(int status, String code, String message) {
            return new Reply(status, Map.of("error", Map.of("code", code, "message", message)), Map.of());
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        String rawPath = ex.getRequestURI().getRawPath();
        String rawQuery = ex.getRequestURI().getRawQuery();
        requests.add(method + " " + rawPath + (rawQuery == null ? "" : "?" + rawQuery));
        byte[] in = ex.getRequestBody().readAllBytes();
        Reply r;
        try {
            r = route(ex, method, rawPath, rawQuery, in);
        } catch (RuntimeException e) {
            r = Reply.error(500, "FakeArmBug", String.valueOf(e));
        }
        byte[] out = r.body() == null ? new byte[0] : JSON.writeValueAsBytes(r.body());
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.getResponseHeaders().set("x-ms-request-id", java.util.UUID.randomUUID().toString());
        r.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        ex.sendResponseHeaders(r.status(), out.length == 0 ? -1 : out.length);
        if (out.length > 0) ex.getResponseBody().write(out);
        ex.close();
    }

    private synchronized Reply route(HttpExchange ex, String method, String rawPath, String rawQuery, byte[] body) throws IOException {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (!("Bearer " + TOKEN).equals(auth)) {
            return Reply.error(401, "AuthenticationFailed", "missing or wrong bearer token");
        }
        String path = URLDecoder.decode(rawPath, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT).replaceAll("/+$", "");
        for (Fault f : faults) {
            if (f.remaining()[0] > 0 && path.contains(f.pathPart())) {
                f.remaining()[0]--;
                return switch (f.status()) {
                    case 429 -> new Reply(429, Map.of("error", Map.of("code", "TooManyRequests", "message", "throttled")),
                            f.retryAfter() == null ? Map.of() : Map.of("Retry-After", f.retryAfter()));
                    case 401 -> Reply.error(401, "InvalidAuthenticationToken", "The access token is invalid.");
                    case 403 -> Reply.error(403, "AuthorizationFailed", "The client does not have authorization to perform action "
                            + "'Microsoft.Compute/virtualMachineScaleSets/read' over scope '" + rawPath + "'.");
                    default -> Reply.error(f.status(), "InjectedFault", "injected");
                };
            }
        }
        Matcher m;
        if ((m = match(RG + "microsoft.compute/virtualmachinescalesets/([^/]+)/virtualmachines", path)) != null && method.equals("GET")) {
            Vmss s = scaleSets.get(m.group(1) + "/" + m.group(2));
            if (s == null) return notFound(rawPath);
            List<Object> vms = new ArrayList<>();
            s.instances.values().forEach(i -> vms.add(vmJson(s, i)));
            return page(vms, rawPath, rawQuery);
        }
        if ((m = match(RG + "microsoft.compute/virtualmachinescalesets/([^/]+)/networkinterfaces", path)) != null && method.equals("GET")) {
            Vmss s = scaleSets.get(m.group(1) + "/" + m.group(2));
            if (s == null) return notFound(rawPath);
            List<Object> nics = new ArrayList<>();
            s.instances.values().forEach(i -> nics.add(nicJson(s, i)));
            return page(nics, rawPath, rawQuery);
        }
        if ((m = match(RG + "microsoft.compute/virtualmachinescalesets/([^/]+)/virtualmachines/(\\d+)/networkinterfaces/([^/]+)", path)) != null) {
            Vmss s = scaleSets.get(m.group(1) + "/" + m.group(2));
            Instance i = s == null ? null : s.instances.get(Integer.parseInt(m.group(3)));
            return i == null ? notFound(rawPath) : Reply.ok(nicJson(s, i));
        }
        if ((m = match(RG + "microsoft.compute/virtualmachines", path)) != null && method.equals("GET")) {
            String rg = m.group(1);
            List<Object> list = new ArrayList<>();
            vms.stream().filter(v -> v.rg.equalsIgnoreCase(rg)).forEach(v -> list.add(vmJson(v)));
            return page(list, rawPath, rawQuery);
        }
        if ((m = match(RG + "microsoft.network/networkinterfaces", path)) != null && method.equals("GET")) {
            String rg = m.group(1);
            List<Object> list = new ArrayList<>();
            vms.stream().filter(v -> v.rg.equalsIgnoreCase(rg)).forEach(v -> list.add(nicJson(v.nicId(), v.id(), v.ip, null, null)));
            return page(list, rawPath, rawQuery);
        }
        if ((m = match(RG + "microsoft.compute/virtualmachinescalesets/([^/]+)", path)) != null && method.equals("GET")) {
            Vmss s = scaleSets.get(m.group(1) + "/" + m.group(2));
            return s == null ? notFound(rawPath) : Reply.ok(vmssJson(s));
        }
        if (match("/subscriptions/[^/]+/providers/microsoft.compute/virtualmachinescalesets", path) != null) {
            List<Object> all = new ArrayList<>();
            scaleSets.values().forEach(s -> all.add(vmssJson(s)));
            return page(all, rawPath, rawQuery);
        }
        if ((m = match(RG + "microsoft.network/networksecuritygroups/([^/]+)/securityrules/([^/]+)", path)) != null) {
            Nsg n = nsgs.get(("/subscriptions/" + SUB + "/resourcegroups/" + m.group(1)
                    + "/providers/microsoft.network/networksecuritygroups/" + m.group(2)).toLowerCase(Locale.ROOT));
            if (n == null) return notFound(rawPath);
            String wanted = m.group(3);
            String name = n.rules.keySet().stream().filter(k -> k.equalsIgnoreCase(wanted)).findFirst().orElse(null);
            switch (method) {
                case "GET":
                    return name == null ? notFound(rawPath) : Reply.ok(ruleJson(n, name, n.rules.get(name)));
                case "DELETE":
                    if (name == null) return new Reply(204, null, Map.of());
                    n.rules.remove(name);
                    return new Reply(200, null, Map.of());
                case "PUT": {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> props = (Map<String, Object>) JSON.readValue(body, Map.class).get("properties");
                    String newName = URLDecoder.decode(rawPath.substring(rawPath.lastIndexOf('/') + 1), StandardCharsets.UTF_8);
                    Object prio = props.get("priority");
                    if (!(prio instanceof Integer p) || p < 100 || p > 4096) {
                        return Reply.error(400, "SecurityRuleInvalidPriority", "priority must be 100..4096, was " + prio);
                    }
                    for (var e : n.rules.entrySet()) {
                        if (!e.getKey().equalsIgnoreCase(newName) && prio.equals(e.getValue().get("priority"))
                                && String.valueOf(props.get("direction")).equalsIgnoreCase(String.valueOf(e.getValue().get("direction")))) {
                            return Reply.error(400, "SecurityRulesWithSamePriority", "rules " + e.getKey() + " and " + newName
                                    + " have the same priority " + prio);
                        }
                    }
                    Map<String, Object> stored = new LinkedHashMap<>(props);
                    stored.remove("provisioningState");
                    if (name != null) n.rules.remove(name);
                    n.rules.put(newName, stored);
                    return new Reply(name == null ? 201 : 200, ruleJson(n, newName, stored), Map.of());
                }
                default:
                    return Reply.error(405, "MethodNotAllowed", method);
            }
        }
        if ((m = match(RG + "microsoft.network/networksecuritygroups/([^/]+)", path)) != null && method.equals("GET")) {
            Nsg n = nsgs.get(("/subscriptions/" + SUB + "/resourcegroups/" + m.group(1)
                    + "/providers/microsoft.network/networksecuritygroups/" + m.group(2)).toLowerCase(Locale.ROOT));
            return n == null ? notFound(rawPath) : Reply.ok(nsgJson(n));
        }
        if (match("/subscriptions/[^/]+/providers/microsoft.network/networksecuritygroups", path) != null) {
            List<Object> all = new ArrayList<>();
            nsgs.values().forEach(n -> all.add(nsgJson(n)));
            return page(all, rawPath, rawQuery);
        }
        if ((m = match(RG + "microsoft.network/virtualnetworks/([^/]+)/subnets/([^/]+)", path)) != null && method.equals("GET")) {
            String nsgId = subnetNsgs.get(path.substring(path.indexOf("/subscriptions/")));
            String id = URLDecoder.decode(rawPath, StandardCharsets.UTF_8);
            Map<String, Object> props = new LinkedHashMap<>();
            props.put("addressPrefix", "10.0.0.0/24");
            if (nsgId != null) props.put("networkSecurityGroup", Map.of("id", nsgId));
            return Reply.ok(Map.of("id", id, "name", m.group(3), "properties", props));
        }
        return Reply.error(404, "NoRoute", "fake ARM has no route for " + method + " " + rawPath);
    }

    private static Matcher match(String regex, String path) {
        Matcher m = Pattern.compile(regex).matcher(path);
        return m.matches() ? m : null;
    }

    private static Reply notFound(String rawPath) {
        return Reply.error(404, "ResourceNotFound", "The Resource '" + rawPath + "' was not found.");
    }

    /** One page of {@code items}; {@code nextLink} carries a skip token, as ARM's do. */
    private Reply page(List<Object> items, String rawPath, String rawQuery) {
        int skip = 0;
        List<String> kept = new ArrayList<>();
        if (rawQuery != null) {
            for (String p : rawQuery.split("&")) {
                if (p.startsWith("$skiptoken=") || p.startsWith("%24skiptoken=")) skip = Integer.parseInt(p.substring(p.indexOf('=') + 1));
                else kept.add(p);
            }
        }
        int end = Math.min(items.size(), skip + pageSize);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("value", items.subList(Math.min(skip, items.size()), end));
        if (end < items.size()) {
            kept.add("%24skiptoken=" + end);
            body.put("nextLink", base + rawPath + "?" + String.join("&", kept));
        }
        return Reply.ok(body);
    }

    // ---- ARM-shaped JSON

    private static Map<String, Object> vmssJson(Vmss s) {
        return Map.of("id", s.id(), "name", s.name, "location", "westeurope", "tags", s.tags,
                "properties", Map.of("orchestrationMode", "Uniform", "provisioningState", "Succeeded"));
    }

    private static Map<String, Object> vmJson(Vmss s, Instance i) {
        Map<String, Object> vm = new LinkedHashMap<>();
        vm.put("id", s.vmId(i));
        vm.put("name", s.name + "_" + i.id);
        vm.put("instanceId", String.valueOf(i.id));
        vm.put("location", "westeurope");
        if (i.zone != null) vm.put("zones", List.of(i.zone));
        vm.put("tags", i.tags);
        vm.put("properties", Map.of(
                "latestModelApplied", true,
                "osProfile", Map.of("computerName", i.computerName, "adminUsername", "azureuser"),
                "networkProfile", Map.of("networkInterfaces", List.of(Map.of("id", s.nicId(i), "properties", Map.of("primary", true)))),
                "instanceView", Map.of("statuses", List.of(Map.of("code", "ProvisioningState/succeeded"),
                        Map.of("code", "PowerState/" + i.power))),
                "provisioningState", "Succeeded"));
        return vm;
    }

    private static Map<String, Object> nicJson(Vmss s, Instance i) {
        return nicJson(s.nicId(i), s.vmId(i), i.ip, s.subnetId, s.nicNsgId);
    }

    private static Map<String, Object> nicJson(String nicId, String vmId, String ip, String subnetId, String nsgId) {
        Map<String, Object> ipProps = new LinkedHashMap<>();
        ipProps.put("primary", true);
        if (ip != null) ipProps.put("privateIPAddress", ip);
        ipProps.put("privateIPAllocationMethod", "Dynamic");
        if (subnetId != null) ipProps.put("subnet", Map.of("id", subnetId));
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("primary", true);
        props.put("virtualMachine", Map.of("id", vmId));
        props.put("ipConfigurations", List.of(Map.of("id", nicId + "/ipConfigurations/ipconfig1", "name", "ipconfig1",
                "properties", ipProps)));
        if (nsgId != null) props.put("networkSecurityGroup", Map.of("id", nsgId));
        return Map.of("id", nicId, "name", nicId.substring(nicId.lastIndexOf('/') + 1), "properties", props);
    }

    private static Map<String, Object> vmJson(Vm v) {
        return Map.of("id", v.id(), "name", v.name, "location", "westeurope", "tags", v.tags, "properties", Map.of(
                "vmId", java.util.UUID.nameUUIDFromBytes(v.id().getBytes(StandardCharsets.UTF_8)).toString(),
                "osProfile", Map.of("computerName", v.computerName, "adminUsername", "azureuser"),
                "networkProfile", Map.of("networkInterfaces", List.of(Map.of("id", v.nicId(), "properties", Map.of("primary", true)))),
                "instanceView", Map.of("statuses", List.of(Map.of("code", "ProvisioningState/succeeded"),
                        Map.of("code", "PowerState/" + v.power))),
                "provisioningState", "Succeeded"));
    }

    private static Map<String, Object> nsgJson(Nsg n) {
        List<Object> rules = new ArrayList<>();
        n.rules.forEach((k, v) -> rules.add(ruleJson(n, k, v)));
        Map<String, Object> deny = Map.of("protocol", "*", "sourcePortRange", "*", "destinationPortRange", "*",
                "sourceAddressPrefix", "*", "destinationAddressPrefix", "*", "access", "Deny", "priority", 65500,
                "direction", "Inbound");
        return Map.of("id", n.id(), "name", n.name, "location", "westeurope", "properties", Map.of(
                "securityRules", rules,
                "defaultSecurityRules", List.of(Map.of("id", n.id() + "/defaultSecurityRules/DenyAllInBound",
                        "name", "DenyAllInBound", "properties", deny)),
                "provisioningState", "Succeeded"));
    }

    private static Map<String, Object> ruleJson(Nsg n, String name, Map<String, Object> props) {
        Map<String, Object> p = new LinkedHashMap<>(props);
        p.put("provisioningState", "Succeeded");
        return Map.of("id", n.id() + "/securityRules/" + name, "name", name, "type",
                "Microsoft.Network/networkSecurityGroups/securityRules", "properties", p);
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
