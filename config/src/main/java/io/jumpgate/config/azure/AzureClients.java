package io.jumpgate.config.azure;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.ExponentialBackoffOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.profile.AzureProfile;
import com.azure.identity.ClientCertificateCredentialBuilder;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.resourcemanager.compute.ComputeManager;
import com.azure.resourcemanager.network.NetworkManager;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The Resource Manager clients the Azure inventory and NSG just-in-time rules share: one credential, one
 * HTTP client (the JDK's; no Netty), one profile (tenant, subscription, cloud endpoints).
 */
public final class AzureClients {
    private final AzureProfile profile;
    private final TokenCredential credential;
    private final HttpClient http;
    private final RetryOptions retry;
    private volatile ComputeManager compute;
    private volatile NetworkManager network;

    /**
     * @param retry how Resource Manager calls are retried (429 with Retry-After, 5xx, I/O errors)
     */
    public AzureClients(String tenantId, String subscriptionId, AzureSettings.Endpoints endpoints,
                        TokenCredential credential, HttpClient http, RetryOptions retry) {
        this.profile = new AzureProfile(tenantId, Objects.requireNonNull(subscriptionId, "subscriptionId"), environment(endpoints));
        this.credential = Objects.requireNonNull(credential, "credential");
        this.http = Objects.requireNonNull(http, "http");
        this.retry = Objects.requireNonNull(retry, "retry");
    }

    /** Production clients for {@code settings}: the configured credential, the JDK HTTP client, default retries. */
    public static AzureClients from(AzureSettings settings) {
        HttpClient http = httpClient(java.net.http.HttpClient.newBuilder());
        return new AzureClients(settings.tenantId(), settings.subscriptionId(), settings.endpoints(),
                credential(settings.credential(), settings.tenantId(), settings.endpoints(), http), http, defaultRetry());
    }

    /** Up to 4 retries, exponential from 800 ms; a Retry-After header from Resource Manager is honoured. */
    public static RetryOptions defaultRetry() {
        return new RetryOptions(new ExponentialBackoffOptions().setMaxRetries(4)
                .setBaseDelay(Duration.ofMillis(800)).setMaxDelay(Duration.ofSeconds(30)));
    }

    /** The JDK HTTP client with bounded timeouts; pass a builder carrying an SSLContext to trust a private CA. */
    public static HttpClient httpClient(java.net.http.HttpClient.Builder jdk) {
        return new JdkHttpClientBuilder(jdk).connectionTimeout(Duration.ofSeconds(10))
                .responseTimeout(Duration.ofSeconds(60)).readTimeout(Duration.ofSeconds(60)).build();
    }

    static TokenCredential credential(AzureSettings.Credential c, String tenantId, AzureSettings.Endpoints endpoints,
                                      HttpClient http) {
        String authority = endpoints.activeDirectory().toString();
        if (c instanceof AzureSettings.ManagedIdentity mi) {
            ManagedIdentityCredentialBuilder b = new ManagedIdentityCredentialBuilder().httpClient(http);
            if (mi.clientId() != null) b.clientId(mi.clientId());
            return b.build();
        }
        if (c instanceof AzureSettings.ServicePrincipal sp) {
            if (tenantId == null) throw new IllegalArgumentException("a service principal needs tenantId");
            if (sp.certificate() != null) {
                String file = sp.certificate().toString();
                ClientCertificateCredentialBuilder b = new ClientCertificateCredentialBuilder().tenantId(tenantId)
                        .clientId(sp.clientId()).authorityHost(authority).httpClient(http);
                return (file.endsWith(".pfx") || file.endsWith(".p12") ? b.pfxCertificate(file) : b.pemCertificate(file)).build();
            }
            String secret = System.getenv(sp.clientSecretEnv());
            if (secret == null || secret.isEmpty()) {
                throw new IllegalArgumentException("environment variable " + sp.clientSecretEnv() + " is not set");
            }
            return new ClientSecretCredentialBuilder().tenantId(tenantId).clientId(sp.clientId()).clientSecret(secret)
                    .authorityHost(authority).httpClient(http).build();
        }
        DefaultAzureCredentialBuilder b = new DefaultAzureCredentialBuilder().httpClient(http).authorityHost(authority);
        if (tenantId != null) b.tenantId(tenantId);
        return b.build();
    }

    private static AzureEnvironment environment(AzureSettings.Endpoints e) {
        Map<String, String> endpoints = new HashMap<>(AzureEnvironment.AZURE.getEndpoints());
        endpoints.put("resourceManagerEndpointUrl", e.resourceManager().toString());
        endpoints.put("managementEndpointUrl", e.tokenAudience().toString());
        endpoints.put("activeDirectoryEndpointUrl", e.activeDirectory().toString());
        return new AzureEnvironment(endpoints);
    }

    public String subscriptionId() {
        return profile.getSubscriptionId();
    }

    public ComputeManager compute() {
        ComputeManager c = compute;
        if (c == null) {
            synchronized (this) {
                if (compute == null) {
                    compute = ComputeManager.configure().withHttpClient(http).withRetryOptions(retry).authenticate(credential, profile);
                }
                c = compute;
            }
        }
        return c;
    }

    public NetworkManager network() {
        NetworkManager n = network;
        if (n == null) {
            synchronized (this) {
                if (network == null) {
                    network = NetworkManager.configure().withHttpClient(http).withRetryOptions(retry).authenticate(credential, profile);
                }
                n = network;
            }
        }
        return n;
    }
}
