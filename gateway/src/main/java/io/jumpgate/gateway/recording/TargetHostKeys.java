package io.jumpgate.gateway.recording;

import io.jumpgate.core.target.Target;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Verifies a target's host key against a known_hosts file (matched by the target's address and port, or its
 * name) or, for host certificates, against trusted host CA keys. Nothing is trusted on first use and the file
 * is never modified. The reason of a refusal is left in the connection context for {@link TargetConnector} to report.
 */
public final class TargetHostKeys implements ServerKeyVerifier {
    static final AttributeKey<Target> TARGET = new AttributeKey<>();
    static final AttributeKey<Integer> PORT = new AttributeKey<>();
    /** Where the verifier leaves its refusal for the connector (session attributes are cleared when it closes). */
    static final AttributeKey<AtomicReference<String>> REFUSAL = new AttributeKey<>();

    private record Known(String marker, KnownHostEntry entry, PublicKey key) {}

    private final List<Known> known;
    private final List<PublicKey> hostCas;
    private final Clock clock;

    private TargetHostKeys(List<Known> known, List<PublicKey> hostCas, Clock clock) {
        this.known = List.copyOf(known);
        this.hostCas = List.copyOf(hostCas);
        this.clock = clock;
    }

    /**
     * @param knownHosts  known_hosts file (may be absent when host CAs are given)
     * @param hostCaKeys  OpenSSH public key lines of host CAs
     */
    public static TargetHostKeys load(Path knownHosts, List<String> hostCaKeys, Clock clock) throws IOException {
        List<Known> known = knownHosts(knownHosts);
        List<PublicKey> cas = new ArrayList<>();
        for (String line : hostCaKeys) {
            cas.add(hostCa(line));
        }
        if (known.isEmpty() && cas.isEmpty()) {
            // The jump path does not need them; recorded sessions are refused (host_key_unknown) until they exist.
            org.slf4j.LoggerFactory.getLogger(TargetHostKeys.class).warn("no target host keys: {} is missing or empty and no"
                    + " sessions.hostCaKeys are configured, so recorded sessions (ssh -t gw TARGET) are refused until they are"
                    + " (collect them with ssh-keyscan; targets are never trusted blindly)", knownHosts);
        }
        return new TargetHostKeys(known, cas, clock);
    }

    /** Reads {@code knownHosts} as {@link #load} does (a bad key throws, naming the file), keeping nothing. */
    public static void validateKnownHosts(Path knownHosts) throws IOException {
        knownHosts(knownHosts);
    }

    /** Parses a host CA line as {@link #load} does. */
    public static PublicKey hostCa(String line) throws IOException {
        return resolve(AuthorizedKeyEntry.parseAuthorizedKeyEntry(line), "hostCaKeys");
    }

    private static List<Known> knownHosts(Path knownHosts) throws IOException {
        List<Known> known = new ArrayList<>();
        if (knownHosts != null && Files.exists(knownHosts)) {
            for (KnownHostEntry e : KnownHostEntry.readKnownHostEntries(knownHosts)) {
                known.add(new Known(e.getMarker(), e, resolve(e.getKeyEntry(), knownHosts.toString())));
            }
        }
        return known;
    }

    private static PublicKey resolve(AuthorizedKeyEntry e, String where) throws IOException {
        try {
            PublicKey k = e.resolvePublicKey(null, Collections.emptyMap(), PublicKeyEntryResolver.FAILING);
            if (k == null) throw new IOException("unsupported key in " + where + ": " + e);
            return k;
        } catch (GeneralSecurityException ex) {
            throw new IOException("bad key in " + where + ": " + ex.getMessage(), ex);
        }
    }

    @Override
    public boolean verifyServerKey(ClientSession session, SocketAddress remote, PublicKey key) {
        Target target = session.getConnectionContext().getAttribute(TARGET);
        int port = session.getConnectionContext().getAttribute(PORT);
        String refusal = refusal(target, port, key);
        AtomicReference<String> verdict = session.getConnectionContext().getAttribute(REFUSAL);
        if (refusal != null && verdict != null) verdict.set(refusal);
        return refusal == null;
    }

    /** Null when {@code key} is the target's; otherwise why not. */
    String refusal(Target target, int port, PublicKey key) {
        boolean cert = key instanceof OpenSshCertificate;
        PublicKey plain = cert ? ((OpenSshCertificate) key).getCertPubKey() : key;
        boolean hostListed = false;
        for (Known k : known) {
            if (!matches(k.entry(), target, port)) continue;
            if ("revoked".equals(k.marker()) && (KeyUtils.compareKeys(k.key(), plain)
                    || cert && KeyUtils.compareKeys(k.key(), ((OpenSshCertificate) key).getCaPubKey()))) {
                return "host_key_revoked";
            }
        }
        for (Known k : known) {
            if (!matches(k.entry(), target, port) || k.marker() != null) continue;
            hostListed = true;
            if (KeyUtils.compareKeys(k.key(), plain)) return null;
        }
        if (cert) {
            OpenSshCertificate c = (OpenSshCertificate) key;
            boolean trustedCa = hostCas.stream().anyMatch(ca -> KeyUtils.compareKeys(ca, c.getCaPubKey()))
                    || known.stream().anyMatch(k -> "cert-authority".equals(k.marker()) && matches(k.entry(), target, port)
                    && KeyUtils.compareKeys(k.key(), c.getCaPubKey()));
            boolean named = c.getPrincipals().stream().anyMatch(p -> p.equals(target.addressText()) || target.answersTo(p));
            if (trustedCa && c.getType() == OpenSshCertificate.Type.HOST && named
                    && OpenSshCertificate.isValidAt(c, clock.instant())) {
                return null;
            }
        }
        return hostListed ? "host_key_mismatch" : "host_key_unknown";
    }

    private static boolean matches(KnownHostEntry e, Target t, int port) {
        return e.isHostMatch(t.addressText(), port) || e.isHostMatch(t.name(), port);
    }
}
