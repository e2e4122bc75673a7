package io.jumpgate.gateway.recording;

import io.jumpgate.core.policy.Decision;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stands in for the gateway's SSH server until it lands: key authentication for one user, and a shell and
 * command factory that hand every session channel to {@link RecordedSessions} for one fixed target.
 */
final class TestGateway implements AutoCloseable {
    static final String USER = "alice";
    private static final AtomicInteger SESSIONS = new AtomicInteger();

    private final SshServer server;

    TestGateway(Path hostKey, PublicKey userKey, RecordedSessions sessions, Decision.Allow allow) throws IOException {
        server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(0);
        server.setKeyPairProvider(new SimpleGeneratorHostKeyProvider(hostKey));
        server.setPublickeyAuthenticator((user, key, s) -> USER.equals(user) && KeyUtils.compareKeys(userKey, key));
        server.setShellFactory(channel -> sessions.create(context(channel), allow, null));
        server.setCommandFactory((channel, command) -> sessions.create(context(channel), allow, command));
        server.start();
    }

    private static SessionContext context(ChannelSession channel) {
        Session s = channel.getSession();
        InetSocketAddress peer = (InetSocketAddress) s.getIoSession().getRemoteAddress();
        return new SessionContext("gw" + SESSIONS.incrementAndGet(), s.getUsername(),
                peer.getAddress().getHostAddress() + ":" + peer.getPort());
    }

    int port() {
        return server.getPort();
    }

    @Override
    public void close() throws IOException {
        server.stop(true);
    }
}
