package io.jumpgate.config.azure;

import io.jumpgate.testkit.FreePorts;
import io.jumpgate.testkit.Peers;
import io.jumpgate.testkit.Poll;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real Azurite blob service on 127.0.0.1, started by the test. The binary is {@code $JUMPGATE_AZURITE}, else
 * {@code <repo>/.ci/node_modules/.bin/azurite-blob}, else {@code <repo>/.azurite/node_modules/.bin/azurite-blob},
 * else {@code azurite-blob} on PATH.
 */
final class Azurite implements AutoCloseable {
    static final String ACCOUNT = "devstoreaccount1";
    /** Azurite's well-known development key (public, documented by Microsoft). */
    static final String KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private final Path binary;
    private final Path location;
    final int port;
    private Process process;

    private Azurite(Path binary, Path location, int port) {
        this.binary = binary;
        this.location = location;
        this.port = port;
    }

    static Path binary() {
        List<String> candidates = new ArrayList<>();
        String env = System.getenv("JUMPGATE_AZURITE");
        if (env != null && !env.isBlank()) candidates.add(env);
        for (Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve(".git")) || Files.exists(dir.resolve(".ci"))) {
                candidates.add(dir.resolve(".ci/node_modules/.bin/azurite-blob").toString());
                candidates.add(dir.resolve(".azurite/node_modules/.bin/azurite-blob").toString());
                break;
            }
        }
        candidates.add("azurite-blob");
        return Peers.requireExecutable("Azurite 3.35 (npm install azurite@3.35.0)", candidates.toArray(String[]::new));
    }

    static Azurite start(Path location) throws IOException {
        Path bin = binary();
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            Azurite a = new Azurite(bin, location, FreePorts.probe("127.0.0.1"));
            try {
                a.restart();
                return a;
            } catch (IOException | AssertionError e) {
                a.stop();
                last = e instanceof IOException io ? io : new IOException(e.getMessage());
            }
        }
        throw last;
    }

    /** (Re)starts on the same port and data directory. */
    void restart() throws IOException {
        Path logFile = location.resolveSibling(location.getFileName() + "-azurite.log");
        process = new ProcessBuilder(binary.toString(), "--blobHost", "127.0.0.1", "--blobPort", String.valueOf(port),
                "--location", location.toString(), "--disableTelemetry")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
        Poll.until(Duration.ofSeconds(30), "Azurite listening on 127.0.0.1:" + port + " (log " + logFile + ")", () -> {
            if (!process.isAlive()) throw new AssertionError("Azurite exited: " + readQuietly(logFile));
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return true;
            } catch (IOException e) {
                return false;
            }
        });
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    void stop() {
        if (process == null) return;
        try {
            io.jumpgate.testkit.Processes.stop(process, java.time.Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    String connectionString() {
        return "DefaultEndpointsProtocol=http;AccountName=" + ACCOUNT + ";AccountKey=" + KEY
                + ";BlobEndpoint=http://127.0.0.1:" + port + "/" + ACCOUNT + ";";
    }

    @Override
    public void close() {
        stop();
    }
}
