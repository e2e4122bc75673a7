package io.jumpgate.gateway.cli;

import io.jumpgate.config.ConfigException;
import io.jumpgate.config.ConfigLoader;
import io.jumpgate.config.JumpgateConfig;
import io.jumpgate.gateway.StartupFiles;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Loads a config file for a CLI command, printing the error (with key path and line) when it is invalid. */
final class ConfigFiles {
    /** Exit status of a command whose config is invalid. */
    static final int INVALID = 2;

    private ConfigFiles() {}

    /**
     * Prints what the gateway could not read at start ({@link StartupFiles}), each naming its config key.
     *
     * @return true when there was nothing to print
     */
    static boolean startupFilesReadable(Path file, JumpgateConfig config, PrintWriter err) {
        List<String> problems = StartupFiles.problems(config);
        for (String p : problems) err.println(file + ": " + p);
        err.flush();
        return problems.isEmpty();
    }

    static Optional<JumpgateConfig> load(Path file, PrintWriter err) {
        try {
            return Optional.of(ConfigLoader.load(file));
        } catch (ConfigException e) {
            err.println(file + ": " + e.getMessage());
            return Optional.empty();
        }
    }
}
