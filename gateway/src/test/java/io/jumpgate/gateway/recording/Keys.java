package io.jumpgate.gateway.recording;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Key files made with the real ssh-keygen, as operators would make them. */
final class Keys {
    private Keys() {}

    static Path generate(Path file, String comment) throws Exception {
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file.toString());
        return file;
    }

    /** {@code type base64} of a .pub file, without the comment. */
    static String publicLine(Path pub) throws IOException {
        String[] parts = Files.readString(pub).trim().split("\\s+");
        return parts[0] + " " + parts[1];
    }

    static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }
}
