package io.jumpgate.gateway.ssh;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.FileKeyPairProvider;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.Iterator;
import java.util.Set;

/** OpenSSH-format ed25519 key files: the gateway host key, and the demo user's key. */
public final class KeyFiles {
    static {
        // Runs before any MINA crypto: the gateway loads its host key (here) before creating the server.
        // BouncyCastle is on the class path for ed25519 keys only. Keep the bulk crypto (ciphers, MACs, digests,
        // key agreement) on the JDK's providers, which use AES-NI/CLMUL/SHA intrinsics: BC's pure-Java AES-GCM
        // roughly halves jump throughput. An operator may still override each with -D.
        for (String entity : new String[] {"Cipher", "Mac", "MessageDigest", "KeyAgreement"}) {
            String prop = "org.apache.sshd.security.provider.BC." + entity;
            if (System.getProperty(prop) == null) {
                System.setProperty(prop, "none");
            }
        }
    }

    private KeyFiles() {}

    /** Loads the key at {@code file}, or generates an ed25519 key there (0600, with a {@code .pub} beside it). */
    public static KeyPair loadOrGenerate(Path file, String comment) throws IOException {
        if (Files.exists(file)) {
            return load(file);
        }
        return generate(file, comment);
    }

    public static KeyPair load(Path file) throws IOException {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
                throw new IOException("private key " + file + " is readable by others (" + PosixFilePermissions.toString(perms)
                        + "): chmod 600 it");
            }
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
        try {
            Iterator<KeyPair> it = new FileKeyPairProvider(file).loadKeys(null).iterator();
            if (!it.hasNext()) throw new IOException("no key found in " + file);
            return it.next();
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot read private key " + file + ": " + e.getMessage(), e);
        }
    }

    public static KeyPair generate(Path file, String comment) throws IOException {
        try {
            KeyPair kp = KeyUtils.generateKeyPair("ssh-ed25519", 256);
            ByteArrayOutputStream priv = new ByteArrayOutputStream();
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(kp, comment, null, priv);
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".key", ".tmp", PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------")));
            Files.write(tmp, priv.toByteArray());
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            Files.writeString(file.resolveSibling(file.getFileName() + ".pub"), publicLine(kp) + " " + comment + "\n",
                    StandardCharsets.UTF_8);
            return kp;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot generate an ed25519 key (is BouncyCastle on the class path?): " + e.getMessage(), e);
        }
    }

    /** {@code ssh-ed25519 AAAA…} */
    public static String publicLine(KeyPair kp) {
        return PublicKeyEntry.toString(kp.getPublic());
    }

    public static String fingerprint(KeyPair kp) {
        return KeyUtils.getFingerPrint(kp.getPublic());
    }
}
