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
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Refuses keys and certificates that {@code ssh.revokedKeys} lists, before any other check counts: a certificate is
 * valid until it expires, so this is how a lost laptop's certificate (or a leaked key) stops working at once.
 *
 * <p>The file is OpenSSH's key revocation list text form (what {@code ssh-keygen -k} reads), one entry per line,
 * {@code #} comments: {@code serial: N} or {@code serial: N-M} (certificate serials), {@code id: KEY_ID}
 * (certificate key ids), {@code key: PUBLIC_KEY} or a bare public key line (that key, and every certificate on it),
 * {@code sha256: PUBLIC_KEY} (the same), {@code hash: SHA256:FINGERPRINT} (a key by fingerprint, as audit and
 * {@code ssh-keygen -l} print it). Serial and id lines apply to certificates from every trusted CA ({@code ca:}
 * scoping is refused with a clear error rather than read more narrowly than written).
 *
 * <p>A listed key also revokes every certificate signed with it as a CA key. The file is read at every login (as
 * sshd reads its {@code RevokedKeys}), so revoking needs no restart; sessions already open go on, as with sshd.
 * Fail closed, like OpenSSH's {@code RevokedKeys}: while the file is missing, unreadable or malformed, every key is
 * refused ({@code revocation_list_unreadable}). At start a bad file stops the gateway, naming the line.
 */
public final class RevokedKeys implements PublicKeyCheck {
    private static final Logger LOG = LoggerFactory.getLogger(RevokedKeys.class);

    private final Path file;
    private final PublicKeyCheck next;
    private volatile Loaded loaded;

    /** The file's content and what it lists; {@code error} when it could not be used. */
    private record Loaded(byte[] content, Entries list, String error) {}

    /** Larger files are refused (a revocation list is a few KB; this bounds what a login reads). */
    static final int MAX_BYTES = 16 << 20;

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
            String why = listed(plain, "key ");
            if (why == null && key instanceof OpenSshCertificate cert) why = listed(cert.getCaPubKey(), "certificate signed by CA key ");
            return why;
        }

        private String listed(PublicKey k, String what) {
            for (PublicKey listed : keys) {
                if (KeyUtils.compareKeys(listed, k)) return what + KeyUtils.getFingerPrint(k) + " is revoked";
            }
            String fp = KeyUtils.getFingerPrint(k);
            return fingerprints.contains(fp) ? what + fp + " is revoked (by fingerprint)" : null;
        }
    }

    /** Reads {@code file} once (a bad file throws, naming the line) and checks keys against it before {@code next}. */
    public RevokedKeys(Path file, PublicKeyCheck next) throws IOException {
        this.file = file;
        this.next = next;
        byte[] content = read(file);
        Entries list = parse(file, lines(content));
        this.loaded = new Loaded(content, list, null);
        LOG.info("revocation list {}: {} entries", file, list.size());
    }

    /** Reads and parses {@code file} as the constructor does, keeping nothing (start-up checks). */
    public static void validate(Path file) throws IOException {
        parse(file, lines(read(file)));
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

    /**
     * The list as the file is now. Read at every check, as sshd reads its RevokedKeys at every authentication: a
     * login is rare and the file small, and no time stamp can miss a rewrite. Parsed again only when it changed.
     */
    private Loaded current() {
        Loaded was = loaded;
        byte[] content;
        try {
            content = read(file);
        } catch (IOException e) {
            return remember(new Loaded(null, null, describe(e)), was);
        }
        if (was.error() == null && Arrays.equals(content, was.content())) return was;
        synchronized (this) {
            was = loaded;
            if (was.error() == null && Arrays.equals(content, was.content())) return was;
            try {
                Entries list = parse(file, lines(content));
                LOG.info("revocation list {} changed: {} entries", file, list.size());
                loaded = new Loaded(content, list, null);
                return loaded;
            } catch (IllegalArgumentException e) {
                return remember(new Loaded(content, null, describe(e)), was);
            }
        }
    }

    private static byte[] read(Path file) throws IOException {
        if (Files.size(file) > MAX_BYTES) throw new IOException("larger than " + (MAX_BYTES >> 20) + " MiB");
        return Files.readAllBytes(file);
    }

    private static List<String> lines(byte[] content) {
        return new String(content, StandardCharsets.UTF_8).lines().toList();
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
            int hash = line.indexOf('#'); // a comment runs from the first '#' to the end of the line, as in ssh-keygen
            if (hash >= 0) line = line.substring(0, hash).strip();
            if (line.isEmpty()) continue;
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
            long from = serial(parts[0].strip());
            long to = parts.length == 2 ? serial(parts[1].strip()) : from;
            if (Long.compareUnsigned(from, to) > 0) throw new IllegalArgumentException("serial range " + value + " runs backwards");
            return new long[] {from, to};
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected serial: N or serial: N-M (decimal, 0x hex or 0 octal), found '" + value + "'");
        }
    }

    /** An unsigned serial as ssh-keygen reads it (strtoull base 0): decimal, {@code 0x} hex, or octal after a 0. */
    private static long serial(String text) {
        if (text.startsWith("0x") || text.startsWith("0X")) return Long.parseUnsignedLong(text.substring(2), 16);
        if (text.length() > 1 && text.startsWith("0")) return Long.parseUnsignedLong(text.substring(1), 8);
        return Long.parseUnsignedLong(text);
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
