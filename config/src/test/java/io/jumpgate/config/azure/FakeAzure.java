package io.jumpgate.config.azure;

import com.azure.core.http.policy.ExponentialBackoffOptions;
import com.azure.core.http.policy.RetryOptions;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;

/**
 * {@link FakeArm} for other modules' tests (through the config test-jar): scale sets whose instances come and go,
 * network security groups, and {@link AzureClients} that trust its certificate and carry its token.
 */
public final class FakeAzure implements AutoCloseable {
    public static final String SUBSCRIPTION = FakeArm.SUB;
    private final FakeArm arm;

    private FakeAzure(FakeArm arm) {
        this.arm = arm;
    }

    public static FakeAzure start() throws Exception {
        return new FakeAzure(FakeArm.start());
    }

    /** Clients for this server: test trust store, fixed token, quick retries. */
    public AzureClients clients() throws Exception {
        return new AzureClients(null, FakeArm.SUB, arm.endpoints(), FakeArm.credential(),
                AzureClients.httpClient(HttpClient.newBuilder().sslContext(TestTls.get().client)),
                new RetryOptions(new ExponentialBackoffOptions().setMaxRetries(2)
                        .setBaseDelay(Duration.ofMillis(50)).setMaxDelay(Duration.ofSeconds(1))));
    }

    /** The base URL ({@code https://127.0.0.1:PORT}), for {@code inventory.azure.endpoint.resourceManager}. */
    public String baseUrl() {
        return arm.base;
    }

    /** Adds (or replaces) instance {@code id} of scale set {@code rg/name} (created if new): scale-out. */
    public void addInstance(String rg, String scaleSet, int id, String privateIp, String power) {
        synchronized (arm) {
            arm.scaleSet(rg, scaleSet).add(id, privateIp, power, null);
        }
    }

    /** Removes an instance: scale-in. */
    public void removeInstance(String rg, String scaleSet, int id) {
        synchronized (arm) {
            arm.scaleSet(rg, scaleSet).instances.remove(id);
        }
    }

    /** The NIC id Resource Manager gives instance {@code id}. */
    public String nicId(String rg, String scaleSet, int id) {
        synchronized (arm) {
            FakeArm.Vmss s = arm.scaleSet(rg, scaleSet);
            return s.nicId(s.instances.get(id));
        }
    }

    /** Creates an NSG and attaches it to every NIC of the scale set; returns its id. */
    public String nicNsg(String rg, String scaleSet, String nsgName) {
        synchronized (arm) {
            FakeArm.Nsg n = arm.nsg(rg, nsgName);
            arm.scaleSet(rg, scaleSet).nicNsgId = n.id();
            return n.id();
        }
    }

    public void putRule(String nsgId, String ruleName, Map<String, Object> properties) {
        arm.putRule(nsg(nsgId), ruleName, properties);
    }

    /** The NSG's rules now, by name (copies). */
    public Map<String, Map<String, Object>> rules(String nsgId) {
        return arm.rules(nsg(nsgId));
    }

    /** An inbound TCP rule as the portal would write it. */
    public static Map<String, Object> inboundRule(String access, String source, String port, int priority) {
        return Map.of("protocol", "Tcp", "sourcePortRange", "*", "destinationPortRange", port, "sourceAddressPrefix", source,
                "destinationAddressPrefix", "*", "access", access, "priority", priority, "direction", "Inbound");
    }

    private FakeArm.Nsg nsg(String id) {
        synchronized (arm) {
            FakeArm.Nsg n = arm.nsgs.get(id.toLowerCase(java.util.Locale.ROOT));
            if (n == null) throw new IllegalArgumentException("no NSG " + id);
            return n;
        }
    }

    @Override
    public void close() {
        arm.close();
    }
}
