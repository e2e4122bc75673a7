package io.jumpgate.gateway.cli;

import io.jumpgate.config.JumpgateConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * Exit 0 with a summary, or 2 with the config error (path and line) or with every file the gateway could not read
 * at start (keys, revocation list, known_hosts), each naming its key: run it as the gateway's user.
 */
@Command(name = "check-config", description = "Validate a configuration file.")
final class CheckConfigCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        var loaded = ConfigFiles.load(file, spec.commandLine().getErr());
        if (loaded.isEmpty()) return ConfigFiles.INVALID;
        JumpgateConfig c = loaded.get();
        if (!ConfigFiles.startupFilesReadable(file, c, spec.commandLine().getErr())) return ConfigFiles.INVALID;
        spec.commandLine().getOut().printf("ok: %s: %d users, %d roles, %d static targets; ssh on %s:%d; audit to %s%n",
                file, c.users().size(), c.roles().size(), c.inventory().staticTargets().size(), c.ssh().listenHost(),
                c.ssh().listenPort(), c.audit().file());
        return 0;
    }
}
