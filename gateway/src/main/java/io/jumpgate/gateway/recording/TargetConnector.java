package io.jumpgate.gateway.recording;

import io.jumpgate.core.target.Target;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.client.future.ConnectFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.core.CoreModuleProperties;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Opens the gateway's own SSH sessions to targets: one MINA {@link SshClient} for all of them, public key
 * authentication only, the target's host key checked by {@link TargetHostKeys}.
 */
public final class TargetConnector implements Closeable {
    private final SshClient client;
    private final TargetAuthenticator authenticator;
    private final Duration timeout;

    public TargetConnector(TargetHostKeys hostKeys, TargetAuthenticator authenticator, Duration timeout) {
        this.authenticator = authenticator;
        this.timeout = timeout;
        this.client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(hostKeys);
        client.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
        client.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
        // AES-GCM first: hardware-accelerated in the JDK; MINA's chacha20 costs a third of the throughput.
        client.setCipherFactories(new ArrayList<>(List.of(BuiltinCiphers.aes128gcm, BuiltinCiphers.aes256gcm,
                BuiltinCiphers.aes128ctr, BuiltinCiphers.aes256ctr, BuiltinCiphers.cc20p1305_openssh)));
        CoreModuleProperties.ABORT_ON_INVALID_CERTIFICATE.set(client, true);
        CoreModuleProperties.IDLE_TIMEOUT.set(client, Duration.ZERO);
        client.start();
    }

    /**
     * Connects, verifies the host key and logs in as {@code login}; the caller closes the session.
     *
     * @param abortWith given, as each step starts, what abandons it (cancels the connect, then closes the session):
     *                  closing it makes this throw soon instead of waiting out the timeout
     */
    public ClientSession open(Target target, int port, String login, SessionContext ctx, Consumer<Closeable> abortWith)
            throws TargetSessionException {
        String where = target.name() + " (" + target.addressText() + ":" + port + ")";
        AtomicReference<String> refusal = new AtomicReference<>();
        AttributeRepository context = AttributeRepository.ofAttributesMap(Map.of(TargetHostKeys.TARGET, target,
                TargetHostKeys.PORT, port, TargetHostKeys.REFUSAL, refusal));
        ClientSession session = null;
        try {
            ConnectFuture connecting = client.connect(login, new InetSocketAddress(target.address(), port), context, null);
            abortWith.accept(() -> connecting.cancel());
            session = connecting.verify(timeout).getSession();
            ClientSession opened = session;
            abortWith.accept(() -> opened.close(true));
            authenticator.addIdentity(session, ctx, target, login);
            session.auth().verify(timeout);
            return session;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw failure(session, refusal.get(), e, where, login, authenticator);
        }
    }

    /** Names why opening failed: the host key verdict if there was one, else refused login, else the connection. */
    private static TargetSessionException failure(ClientSession session, String refusal, Exception e, String where, String login,
                                                  TargetAuthenticator authenticator) {
        if (session != null) session.close(true);
        if (refusal != null) {
            String what = switch (refusal) {
                case "host_key_mismatch" -> "its host key does not match the gateway's known_hosts (possible man-in-the-middle)";
                case "host_key_revoked" -> "its host key is revoked";
                default -> "its host key is unknown to the gateway (not in known_hosts, no trusted host certificate)";
            };
            return new TargetSessionException(refusal, "refused to open a session on " + where + ": " + what, e);
        }
        if (session == null) {
            return new TargetSessionException("connect_failed", "cannot connect to " + where + ": " + e.getMessage(), e);
        }
        if (String.valueOf(e.getMessage()).contains("No more authentication methods")) {
            return new TargetSessionException("auth_refused", "target " + where + " refused the gateway's login as '"
                    + login + "': " + authenticator.refusalHint(), e);
        }
        return new TargetSessionException("connect_failed", "cannot open a session on " + where + ": " + e.getMessage(), e);
    }

    @Override
    public void close() throws IOException {
        client.stop();
    }
}
