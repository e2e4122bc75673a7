package io.jumpgate.config;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;

/** Every YAML config shipped under deploy/ must pass the same validation the gateway runs at start. */
class SampleConfigsTest {
    @Test
    void shippedConfigsAreValid() throws IOException {
        Path deploy = Path.of("..", "deploy").toAbsolutePath().normalize();
        List<Path> configs;
        try (Stream<Path> s = Files.walk(deploy)) {
            configs = s.filter(p -> p.getFileName().toString().equals("jumpgate.yaml"))
                    .filter(p -> !p.toString().contains("/target/")).toList();
        }
        assertFalse(configs.isEmpty(), "no sample configs under " + deploy);
        for (Path p : configs) {
            try {
                ConfigLoader.load(p);
            } catch (ConfigException e) {
                throw new AssertionError(deploy.relativize(p) + ": " + e.getMessage(), e);
            }
        }
    }
}
