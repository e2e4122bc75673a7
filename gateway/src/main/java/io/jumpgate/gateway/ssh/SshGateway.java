package io.jumpgate.gateway.ssh;

import io.jumpgate.config.Limits;
import io.jumpgate.config.SshSettings;
import io.jumpgate.gateway.GatewayServices;
import io.jumpgate.gateway.command.GatewayCommands;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.helpers.AbstractSession;
import org.apache.sshd.common.channel.RequestHandler;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.SshServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The SSH front end on Apache MINA SSHD: public-key and certificate logins, direct-tcpip decided by the
 * access policy, gateway commands instead of a shell, everything else refused and audited.
 */
public final class SshGateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SshGateway.class);

    /** Tuned for bulk transfer through the jump: a wide window, large packets and read buffers. */
    static final long WINDOW_SIZE = 8L * 1024 * 1024;
    /** Signature algorithms that hash with SHA-1 under an RSA key (plain and certificate). */
    static final java.util.Set<String> SHA1_RSA = java.util.Set.of("ssh-rsa", "ssh-rsa-cert-v01@openssh.com");
    /** Session channels (shell, exec) one connection may hold open at once, as sshd's MaxSessions. */
    public static final int MAX_SESSIONS = 10;

    /** {@code signatures} without those hashing with SHA-1 under RSA ({@link #SHA1_RSA}). */
    static <T extends org.apache.sshd.common.NamedResource> List<T> withoutSha1Rsa(List<T> signatures) {
        return signatures.stream().filter(f -> !SHA1_RSA.contains(f.getName())).toList();
    }
    static final long MAX_PACKET_SIZE = 64L * 1024;
    static final int READ_BUFFER_SIZE = 256 * 1024;
    static final int SOCKET_BUFFER = 1024 * 1024;

    private final SshServer server;
    private final KeyPair hostKey;

    public SshGateway(GatewayServices services, GatewayCommands commands) throws IOException {
        SshSettings ssh = services.config().ssh();
        Limits limits = services.config().limits();
        this.hostKey = KeyFiles.loadOrGenerate(ssh.hostKey(), "jumpgate-host-key");
        if (ssh.passwordAuth() || ssh.keyboardInteractive()) {
            LOG.warn("ssh.passwordAuthentication / ssh.keyboardInteractive are ignored: Jumpgate users log in with keys or certificates");
        }

        server = SshServer.setUpDefaultServer();
        server.setHost(ssh.listenHost());
        server.setPort(ssh.listenPort());
        server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        // SHA-1 RSA signatures ("ssh-rsa"), for user authentication and as a CA's signature on certificates, are
        // refused as OpenSSH 8.8+ refuses them (chosen-prefix collisions); rsa-sha2-256/512 remain.
        server.setSignatureFactories(withoutSha1Rsa(server.getSignatureFactories()));

        PublicKeyCheck userKeys = new UserKeys(new AuthorizedKeys(services.config().users()),
                new CertificateAuthority(ssh.trustedUserCaKeys(), services.config().users().keySet(),
                        server.getSignatureFactories(), services.clock()));
        PublicKeyCheck keys;
        try {
            keys = ssh.revokedKeys() == null ? userKeys : new RevokedKeys(ssh.revokedKeys(), userKeys);
        } catch (IOException e) {
            throw new IOException("ssh.revokedKeys: cannot read " + ssh.revokedKeys() + ": " + e, e);
        } catch (IllegalArgumentException e) {
            throw new IOException("ssh.revokedKeys: " + e.getMessage(), e);
        }
        server.setUserAuthFactories(List.of(AuditedPublicKeyAuth.factory(services, keys)));
        server.setPublickeyAuthenticator((user, key, session) ->
                keys.check(user, key, SshSessions.clientAddress(session).getAddress()).accepted());
        server.setPasswordAuthenticator(null);
        server.setKeyboardInteractiveAuthenticator(null);
        server.setGSSAuthenticator(null);
        server.setHostBasedAuthenticator(null);

        GatewayForwardingFilter filter = new GatewayForwardingFilter(services);
        server.setForwardingFilter(filter);
        List<ChannelFactory> channels = new ArrayList<>();
        channels.add(GatewaySessionChannel.factory(filter));
        channels.add(JumpChannel.factory(services));
        channels.add(StreamLocalRefusal.channels(filter));
        server.setChannelFactories(channels);
        List<RequestHandler<ConnectionService>> global = new ArrayList<>(server.getGlobalRequestHandlers());
        global.add(StreamLocalRefusal.globalRequests(filter));
        server.setGlobalRequestHandlers(global);

        server.setShellFactory(channel -> new GatewayCommandChannel(commands, null));
        server.setCommandFactory((channel, command) -> new GatewayCommandChannel(commands, command));
        server.setSubsystemFactories(List.of());
        server.addSessionListener(new SessionAuditor(services));

        CoreModuleProperties.AUTH_TIMEOUT.set(server, limits.loginGraceTime());
        // A backstop: refused keys are counted (and end the connection) in AuditedPublicKeyAuth, like MaxAuthTries;
        // an accepted key costs a query and a signed request, plus the initial "none" request.
        CoreModuleProperties.MAX_AUTH_REQUESTS.set(server, limits.maxAuthAttempts() * 2 + 1);
        CoreModuleProperties.IDLE_TIMEOUT.set(server, limits.idleTimeout());
        // Output to a user who has stopped reading (a paused terminal, a laptop asleep) waits for them as long as
        // the connection may stay idle, not MINA's default 30 s after which the session would be cut.
        CoreModuleProperties.WAIT_FOR_SPACE_TIMEOUT.set(server, limits.idleTimeout());
        CoreModuleProperties.NIO2_READ_TIMEOUT.set(server, Duration.ZERO);
        CoreModuleProperties.SERVER_IDENTIFICATION.set(server, "Jumpgate");
        CoreModuleProperties.WINDOW_SIZE.set(server, WINDOW_SIZE);
        CoreModuleProperties.MAX_PACKET_SIZE.set(server, MAX_PACKET_SIZE);
        CoreModuleProperties.NIO2_READ_BUFFER_SIZE.set(server, READ_BUFFER_SIZE);
        // Keystrokes through the jump must not wait for Nagle; keep-alive finds dead peers behind NATs.
        CoreModuleProperties.TCP_NODELAY.set(server, true);
        CoreModuleProperties.SOCKET_KEEPALIVE.set(server, true);
        CoreModuleProperties.SOCKET_RCVBUF.set(server, SOCKET_BUFFER);
        CoreModuleProperties.SOCKET_SNDBUF.set(server, SOCKET_BUFFER);
        CoreModuleProperties.NIO_WORKERS.set(server, Math.max(2, Runtime.getRuntime().availableProcessors()));
    }

    /** Listens on {@code ssh.listen}; a failure names it ("ssh.listen 127.0.0.1:22: Address already in use"). */
    public void start() throws IOException {
        try {
            server.start();
        } catch (IOException e) {
            throw new IOException("ssh.listen " + SshSessions.hostPort(new InetSocketAddress(server.getHost(), server.getPort()))
                    + ": " + e.getMessage(), e);
        }
    }

    /** The bound address (with the real port when the config asked for port 0). */
    public InetSocketAddress address() {
        Set<SocketAddress> bound = server.getBoundAddresses();
        for (SocketAddress a : bound) {
            if (a instanceof InetSocketAddress i) return i;
        }
        return new InetSocketAddress(server.getHost(), server.getPort());
    }

    public KeyPair hostKey() {
        return hostKey;
    }

    public String hostKeyFingerprint() {
        return KeyFiles.fingerprint(hostKey);
    }

    @Override
    public void close() throws IOException {
        server.stop(true);
    }
}
