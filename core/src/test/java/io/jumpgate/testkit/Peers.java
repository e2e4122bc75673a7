package io.jumpgate.testkit;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Test peers (sshd, xrdp, PostgreSQL, Azurite…) are real programs installed by {@code .ci/run}. When
 * {@code -Djumpgate.peers.required=true} (CI), a missing peer fails the test; otherwise it skips it.
 */
public final class Peers {
    private Peers() {}

    public static boolean required() {
        return Boolean.getBoolean("jumpgate.peers.required");
    }

    /** Skips (or, when peers are required, fails) unless {@code available}. */
    public static void require(boolean available, String what) {
        if (available) {
            return;
        }
        String msg = "test peer missing: " + what + " (.ci/run installs it)";
        if (required()) {
            throw new AssertionError(msg + "; -Djumpgate.peers.required=true");
        }
        Assumptions.abort(msg);
    }

    /** The first executable found among {@code candidates} (absolute paths or names on PATH). */
    public static Optional<Path> executable(String... candidates) {
        for (String c : candidates) {
            if (c.contains("/")) {
                Path p = Path.of(c);
                if (Files.isExecutable(p)) return Optional.of(p);
                continue;
            }
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
                Path p = Path.of(dir, c);
                if (Files.isExecutable(p)) return Optional.of(p);
            }
            for (String dir : new String[] {"/usr/sbin", "/sbin", "/usr/local/sbin"}) {
                Path p = Path.of(dir, c);
                if (Files.isExecutable(p)) return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The executable, or skip/fail as {@link #require} does. */
    public static Path requireExecutable(String what, String... candidates) {
        Optional<Path> p = executable(candidates);
        require(p.isPresent(), what + " (" + String.join(" or ", candidates) + ")");
        return p.get();
    }
}
