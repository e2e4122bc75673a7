package io.jumpgate.gateway.cli;

import io.jumpgate.config.ConfigException;
import io.jumpgate.config.ConfigLoader;
import io.jumpgate.config.JumpgateConfig;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;

/** Loads a config file for a CLI command, printing the error (with key path and line) when it is invalid. */
final class ConfigFiles {
    /** Exit status of a command whose config is invalid. */
    static final int INVALID = 2;

    private ConfigFiles() {}

    static Optional<JumpgateConfig> load(Path file, PrintWriter err) {
        try {
            return Optional.of(ConfigLoader.load(file));
        } catch (ConfigException e) {
            err.println(file + ": " + e.getMessage());
            return Optional.empty();
        }
    }
}
