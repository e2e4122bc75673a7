package io.jumpgate.config.azure;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The {@code recordings.azureBlob} section: where finished recordings are archived.
 *
 * @param endpoint            blob service URL ({@code https://<account>.blob.core.windows.net}); null with a connection string
 * @param container           container name (created if missing)
 * @param connectionStringEnv environment variable holding a connection string (instead of an Azure identity)
 * @param tenantId            tenant for a service principal, or null
 * @param credential          Azure identity used with {@code endpoint} (managed identity by default)
 */
public record BlobArchiveSettings(String endpoint, String container, String connectionStringEnv, String tenantId,
                                  AzureSettings.Credential credential) {
    private static final Pattern CONTAINER = Pattern.compile("[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}");

    public BlobArchiveSettings {
        Objects.requireNonNull(container, "container");
        if (!CONTAINER.matcher(container).matches()) {
            throw new IllegalArgumentException("container name '" + container
                    + "' is not valid (3-63 lower-case letters, digits and single hyphens)");
        }
        if ((endpoint == null) == (connectionStringEnv == null)) {
            throw new IllegalArgumentException("give exactly one of 'endpoint' (with an Azure identity) and 'connectionStringEnv'");
        }
        if (endpoint != null && credential == null) credential = new AzureSettings.ManagedIdentity(null);
    }
}
