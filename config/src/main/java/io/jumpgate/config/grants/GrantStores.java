package io.jumpgate.config.grants;

import io.jumpgate.config.GrantStoreSettings;
import io.jumpgate.core.grant.GrantStoreException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens the grant store the configuration names. */
public final class GrantStores {
    private GrantStores() {}

    public static JdbcGrantStore open(GrantStoreSettings s) {
        return switch (s.kind()) {
            case H2 -> new JdbcGrantStore(h2Url(s.h2File()), s.username() == null ? "sa" : s.username(),
                    s.password() == null ? "" : s.password());
            case POSTGRESQL -> new JdbcGrantStore(s.jdbcUrl(), s.username(), s.password());
        };
    }

    /**
     * An embedded H2 database in {@code file} (plus {@code .mv.db}); the directory is created when missing.
     * {@code AUTO_SERVER} lets the operator CLI ({@code jumpgate grants}) use the file while the gateway holds it:
     * the first process serves the others over TCP, bound to 127.0.0.1 only ({@code h2.bindAddress}, set here
     * before H2 loads) and guarded by the random key in the {@code .lock.db} file next to the database.
     */
    public static String h2Url(Path file) {
        if (System.getProperty("h2.bindAddress") == null) System.setProperty("h2.bindAddress", "127.0.0.1");
        Path abs = file.toAbsolutePath();
        try {
            if (abs.getParent() != null && !Files.isDirectory(abs.getParent())) {
                Files.createDirectories(abs.getParent(), java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            }
        } catch (IOException e) {
            throw new GrantStoreException("cannot create " + abs.getParent() + ": " + e.getMessage(), e);
        }
        return "jdbc:h2:file:" + abs + ";AUTO_SERVER=TRUE";
    }
}
