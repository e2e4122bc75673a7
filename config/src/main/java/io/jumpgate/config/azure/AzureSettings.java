package io.jumpgate.config.azure;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code inventory.azure} section: which scale sets (and VMs) make up the inventory, how the gateway
 * authenticates to Azure Resource Manager, and which cloud endpoints it talks to.
 *
 * @param subscriptionId  subscription holding the scale sets
 * @param tenantId        Entra ID tenant (needed for a service principal; optional for managed identity)
 * @param credential      how to get tokens
 * @param scaleSets       explicitly named scale sets
 * @param tagSelector     scale sets anywhere in the subscription whose tags contain all of these
 * @param includeVms      also list standalone VMs in the resource groups of the selected scale sets
 * @param refreshInterval how often the inventory is re-read
 * @param endpoints       Resource Manager and Entra ID endpoints (public cloud, sovereign cloud or a test server)
 * @param nsgJit          NSG just-in-time rules ({@code nsgJit}), or null when not enabled
 * @param maxStaleness    how long targets are kept while Resource Manager cannot be read; after that they are listed
 *                        with an unknown state and refused, since an address may have passed to another machine
 */
public record AzureSettings(String subscriptionId, String tenantId, Credential credential, List<ScaleSetRef> scaleSets,
                            Map<String, String> tagSelector, boolean includeVms, Duration refreshInterval,
                            Endpoints endpoints, NsgJitSettings nsgJit, Duration maxStaleness) {
    /** Default {@link #maxStaleness}. */
    public static final Duration MAX_STALENESS = Duration.ofHours(1);

    /** Without NSG just-in-time rules. */
    public AzureSettings(String subscriptionId, String tenantId, Credential credential, List<ScaleSetRef> scaleSets,
                         Map<String, String> tagSelector, boolean includeVms, Duration refreshInterval, Endpoints endpoints) {
        this(subscriptionId, tenantId, credential, scaleSets, tagSelector, includeVms, refreshInterval, endpoints, null,
                MAX_STALENESS);
    }

    public AzureSettings {
        Objects.requireNonNull(subscriptionId, "subscriptionId");
        Objects.requireNonNull(credential, "credential");
        scaleSets = List.copyOf(scaleSets);
        tagSelector = Map.copyOf(tagSelector);
        Objects.requireNonNull(refreshInterval, "refreshInterval");
        Objects.requireNonNull(endpoints, "endpoints");
        Objects.requireNonNull(maxStaleness, "maxStaleness");
        if (maxStaleness.compareTo(refreshInterval) <= 0) {
            throw new IllegalArgumentException("maxStaleness must be longer than refreshInterval");
        }
        if (scaleSets.isEmpty() && tagSelector.isEmpty()) {
            throw new IllegalArgumentException("select scale sets by 'scaleSets' or 'tagSelector'");
        }
    }

    /** One scale set by resource group and name. */
    public record ScaleSetRef(String resourceGroup, String name) {
        public ScaleSetRef {
            Objects.requireNonNull(resourceGroup, "resourceGroup");
            Objects.requireNonNull(name, "name");
        }

        @Override
        public String toString() {
            return resourceGroup + "/" + name;
        }
    }

    /** How the gateway obtains Azure tokens. */
    public sealed interface Credential permits ManagedIdentity, DefaultChain, ServicePrincipal {}

    /** The VM's managed identity; {@code clientId} picks a user-assigned identity (null: system-assigned). */
    public record ManagedIdentity(String clientId) implements Credential {}

    /** DefaultAzureCredential: environment, workload identity, managed identity, Azure CLI, in that order. */
    public record DefaultChain() implements Credential {}

    /** An app registration: a client secret read from an environment variable, or a PEM/PFX certificate file. */
    public record ServicePrincipal(String clientId, String clientSecretEnv, Path certificate) implements Credential {
        public ServicePrincipal {
            Objects.requireNonNull(clientId, "clientId");
            if ((clientSecretEnv == null) == (certificate == null)) {
                throw new IllegalArgumentException("give exactly one of clientSecretEnv and certificate");
            }
        }
    }

    /**
     * @param resourceManager Resource Manager base URL ({@code https://management.azure.com/})
     * @param activeDirectory Entra ID authority ({@code https://login.microsoftonline.com/})
     * @param tokenAudience   audience tokens are requested for ({@code https://management.core.windows.net/})
     */
    public record Endpoints(URI resourceManager, URI activeDirectory, URI tokenAudience) {
        public static final Endpoints AZURE_PUBLIC = new Endpoints(URI.create("https://management.azure.com/"),
                URI.create("https://login.microsoftonline.com/"), URI.create("https://management.core.windows.net/"));
        public static final Endpoints AZURE_CHINA = new Endpoints(URI.create("https://management.chinacloudapi.cn/"),
                URI.create("https://login.chinacloudapi.cn/"), URI.create("https://management.core.chinacloudapi.cn/"));
        public static final Endpoints AZURE_US_GOVERNMENT = new Endpoints(URI.create("https://management.usgovcloudapi.net/"),
                URI.create("https://login.microsoftonline.us/"), URI.create("https://management.core.usgovcloudapi.net/"));

        public Endpoints {
            Objects.requireNonNull(resourceManager, "resourceManager");
            Objects.requireNonNull(activeDirectory, "activeDirectory");
            Objects.requireNonNull(tokenAudience, "tokenAudience");
        }

        /** The endpoints of a named cloud: {@code AzureCloud}, {@code AzureChinaCloud}, {@code AzureUSGovernment}. */
        public static Endpoints ofCloud(String name) {
            return switch (name.toLowerCase(java.util.Locale.ROOT)) {
                case "azurecloud", "public" -> AZURE_PUBLIC;
                case "azurechinacloud", "china" -> AZURE_CHINA;
                case "azureusgovernment", "usgovernment" -> AZURE_US_GOVERNMENT;
                default -> throw new IllegalArgumentException("unknown cloud '" + name
                        + "' (AzureCloud, AzureChinaCloud, AzureUSGovernment; or give 'endpoint')");
            };
        }
    }
}
