package io.jumpgate.gateway.ssh;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Refuses keys and certificates that {@code ssh.revokedKeys} lists, before any other check counts: a certificate is
 * valid until it expires, so this is how a lost laptop's certificate (or a leaked key) stops working at once.
 *
 * <p>The file is OpenSSH's key revocation list text form (what {@code ssh-keygen -k} reads), one entry per line,
 * {@code #} comments (whole lines, or after white space): {@code serial: N} or {@code serial: N-M} (certificate serials), {@code id: KEY_ID}
 * (certificate key ids), {@code key: PUBLIC_KEY} or a bare public key line (that key, and every certificate on it),
 * {@code sha256: PUBLIC_KEY} (the same), {@code hash: SHA256:FINGERPRINT} (a key by fingerprint, as audit and
 * {@code ssh-keygen -l} print it). Serial and id lines apply to certificates from every trusted CA ({@code ca:}
 * scoping is refused with a clear error rather than read more narrowly than written).
 *
 * <p>Re-read whenever the file changes (its size, modification time or inode), at the next login: revoking needs no
 * restart. Fail closed, like OpenSSH's {@code RevokedKeys}: while the file is missing, unreadable or malformed, every
 * key is refused ({@code revocation_list_unreadable}). At start a bad file stops the gateway, naming the line.
 */
public final class RevokedKeys implements PublicKeyCheck {
    private static final Logger LOG = LoggerFactory.getLogger(RevokedKeys.class);

    private final Path file;
    private final PublicKeyCheck next;
    private volatile Loaded loaded;

    /** What the file held when it looked like {@code stamp}; {@code error} when it could not be used. */
    private record Loaded(Object stamp, Entries list, String error) {}

    /** The parsed entries. */
    record Entries(List<long[]> serials, Set<String> ids, List<PublicKey> keys, Set<String> fingerprints) {
        int size() {
            return serials.size() + ids.size() + keys.size() + fingerprints.size();
        }

        /** Why {@code key} is revoked, or null. */
        String revokes(PublicKey key) {
            PublicKey plain = key;
            if (key instanceof OpenSshCertificate cert) {
                plain = cert.getCertPubKey();
                for (long[] r : serials) {
                    if (Long.compareUnsigned(cert.getSerial(), r[0]) >= 0 && Long.compareUnsigned(cert.getSerial(), r[1]) <= 0) {
                        return "certificate serial " + Long.toUnsignedString(cert.getSerial()) + " is revoked";
                    }
                }
                if (ids.contains(cert.getId())) return "certificate id '" + cert.getId() + "' is revoked";
            }
            for (PublicKey k : keys) {
                if (KeyUtils.compareKeys(k, plain)) return "key " + KeyUtils.getFingerPrint(plain) + " is revoked";
            }
            String fp = KeyUtils.getFingerPrint(plain);
            if (fingerprints.contains(fp)) return "key " + fp + " is revoked (by fingerprint)";
            return null;
        }
    }

    /** Reads {@code file} once (a bad file throws, naming the line) and checks keys against it before {@code next}. */
    public RevokedKeys(Path file, PublicKeyCheck next) throws IOException {
        this.file = file;
        this.next = next;
        Object stamp = stamp(file);
        Entries list = parse(file, Files.readAllLines(file, StandardCharsets.UTF_8));
        this.loaded = new Loaded(stamp, list, null);
        LOG.info("revocation list {}: {} entries", file, list.size());
    }

    @Override
    public KeyVerdict check(String username, PublicKey key, InetAddress source) {
        KeyVerdict v = next.check(username, key, source);
        if (!v.accepted()) return v; // refused anyway, for its own reason
        Loaded now = current();
        if (now.error() != null) {
            return KeyVerdict.refuse("revocation_list_unreadable", "every key is refused until the revocation list "
                    + file + " can be read: " + now.error(), v.credential());
        }
        String why = now.list().revokes(key);
        return why == null ? v : KeyVerdict.refuse("key_revoked", why + " (" + file + ")", v.credential());
    }

    private Loaded current() {
        Loaded was = loaded;
        Object stamp;
        try {
            stamp = stamp(file);
        } catch (IOException e) {
            return remember(new Loaded(null, null, describe(e)), was);
        }
        if (Objects.equals(stamp, was.stamp()) && was.error() == null) return was;
        synchronized (this) {
            was = loaded;
            if (Objects.equals(stamp, was.stamp()) && was.error() == null) return was;
            try {
                Entries list = parse(file, Files.readAllLines(file, StandardCharsets.UTF_8));
                LOG.info("revocation list {} changed: {} entries", file, list.size());
                loaded = new Loaded(stamp, list, null);
                return loaded;
            } catch (IOException | IllegalArgumentException e) {
                return remember(new Loaded(stamp, null, describe(e)), was);
            }
        }
    }

    private synchronized Loaded remember(Loaded failed, Loaded was) {
        if (was.error() == null || !was.error().equals(failed.error())) {
            LOG.error("revocation list {} cannot be used, refusing every key until it can: {}", file, failed.error());
        }
        loaded = failed;
        return failed;
    }

    private static String describe(Exception e) {
        return e instanceof IllegalArgumentException ? e.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /** What changes when the file is edited or replaced. */
    private static Object stamp(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        return List.of(a.lastModifiedTime(), a.size(), String.valueOf(a.fileKey()));
    }

    /** Parses the text form; a bad line throws, naming the file and line. */
    static Entries parse(Path file, List<String> lines) {
        List<long[]> serials = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        List<PublicKey> keys = new ArrayList<>();
        Set<String> fingerprints = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            String where = file + " line " + (i + 1);
            if (i == 0 && line.startsWith("SSHKRL")) {
                throw new IllegalArgumentException(where + ": a binary KRL; give its text form (what ssh-keygen -k reads)");
            }
            if (line.isEmpty() || line.startsWith("#")) continue;
            line = line.replaceFirst("\\s+#.*$", ""); // a trailing comment, after white space
            int colon = line.indexOf(':');
            String directive = colon < 0 ? "" : line.substring(0, colon).strip().toLowerCase(java.util.Locale.ROOT);
            String value = colon < 0 ? line : line.substring(colon + 1).strip();
            try {
                switch (directive) {
                    case "serial" -> serials.add(serialRange(value));
                    case "id" -> {
                        if (value.isEmpty()) throw new IllegalArgumentException("an empty key id");
                        ids.add(value);
                    }
                    case "key", "sha256", "sha1" -> keys.add(plainKey(value));
                    case "hash" -> {
                        if (!value.matches("SHA256:[A-Za-z0-9+/]{43}")) {
                            throw new IllegalArgumentException("expected hash: SHA256:<43 base64 characters>, as ssh-keygen -l prints");
                        }
                        fingerprints.add(value);
                    }
                    case "ca" -> throw new IllegalArgumentException("ca: scoping is not supported; serial: and id: lines "
                            + "apply to certificates from every trusted CA (remove the ca: line to say so)");
                    default -> keys.add(plainKey(line)); // a bare public key line (its type contains no ':')
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
            }
        }
        return new Entries(List.copyOf(serials), Set.copyOf(ids), List.copyOf(keys), Set.copyOf(fingerprints));
    }

    private static long[] serialRange(String value) {
        String[] parts = value.split("-", -1);
        if (parts.length > 2) throw new IllegalArgumentException("expected serial: N or serial: N-M, found '" + value + "'");
        try {
            long from = Long.parseUnsignedLong(parts[0].strip());
            long to = parts.length == 2 ? Long.parseUnsignedLong(parts[1].strip()) : from;
            if (Long.compareUnsigned(from, to) > 0) throw new IllegalArgumentException("serial range " + value + " runs backwards");
            return new long[] {from, to};
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected serial: N or serial: N-M (unsigned decimal), found '" + value + "'");
        }
    }

    private static PublicKey plainKey(String line) {
        PublicKey k;
        try {
            k = AuthorizedKeys.parse("ssh.revokedKeys", line);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("expected serial:, id:, key:, sha256:, hash: or a public key line ("
                    + (e.getCause() == null ? e.getMessage() : e.getCause().getMessage()) + ")");
        }
        return k instanceof OpenSshCertificate c ? c.getCertPubKey() : k;
    }
}
