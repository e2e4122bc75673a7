package io.jumpgate.gateway.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jumpgate.config.ConfigLoader;
import io.jumpgate.config.JumpgateConfig;
import io.jumpgate.core.audit.AuditSink;
import io.jumpgate.gateway.Gateway;
import io.jumpgate.gateway.ssh.KeyFiles;
import io.jumpgate.testkit.Poll;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The gateway in-process from a YAML string. {@code ${dir}} in the YAML stands for the fixture's directory;
 * when the YAML sets no {@code dataDir} it is that directory (host key, audit log). Listen on
 * {@code 127.0.0.1:0} and read {@link #port()} back.
 */
public final class GatewayFixture implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Gateway gateway;
    private final Path dir;

    private GatewayFixture(Gateway gateway, Path dir) {
        this.gateway = gateway;
        this.dir = dir;
    }

    public static GatewayFixture start(Path dir, String yaml) throws IOException {
        return start(dir, yaml, null);
    }

    /** As {@link #start(Path, String)}, auditing to {@code audit} (owned by the caller) instead of the file. */
    public static GatewayFixture start(Path dir, String yaml, AuditSink audit) throws IOException {
        return startWith(dir, yaml, b -> {
            if (audit != null) b.audit(audit);
        });
    }

    /** As {@link #start(Path, String)}, letting {@code customize} set more on the builder (e.g. a clock). */
    public static GatewayFixture startWith(Path dir, String yaml, Consumer<Gateway.Builder> customize) throws IOException {
        Files.createDirectories(dir);
        String text = yaml.replace("${dir}", dir.toString());
        if (!text.contains("dataDir:")) {
            text = "dataDir: " + dir + "\n" + text;
        }
        JumpgateConfig config = ConfigLoader.parse(text);
        Gateway.Builder b = Gateway.builder(config);
        customize.accept(b);
        return new GatewayFixture(b.build().start(), dir);
    }

    public Gateway gateway() {
        return gateway;
    }

    public Path dir() {
        return dir;
    }

    public String host() {
        return gateway.ssh().address().getAddress().getHostAddress();
    }

    public int port() {
        return gateway.ssh().address().getPort();
    }

    /** {@code ssh-ed25519 AAAA…} of the host key, for known_hosts. */
    public String hostKeyLine() {
        return KeyFiles.publicLine(gateway.ssh().hostKey());
    }

    public String hostKeyFingerprint() {
        return gateway.ssh().hostKeyFingerprint();
    }

    public Path auditFile() {
        return gateway.services().config().audit().file();
    }

    /** Every audit line so far, parsed. */
    public List<JsonNode> audit() {
        try {
            List<JsonNode> out = new ArrayList<>();
            for (String line : Files.readAllLines(auditFile(), StandardCharsets.UTF_8)) {
                if (!line.isBlank()) out.add(JSON.readTree(line));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits (bounded) for an audit event named {@code event} (e.g. {@code forward.denied}) matching {@code p}. */
    public JsonNode awaitAudit(String event, Predicate<JsonNode> p) {
        return Poll.value(Duration.ofSeconds(15), "audit event " + event, () -> audit().stream()
                .filter(e -> e.path("event").asText().equals(event)).filter(p).findFirst().orElse(null));
    }

    @Override
    public void close() {
        gateway.close();
    }
}
