package io.jumpgate.gateway.cli;

import io.jumpgate.core.audit.AuditVerifier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "audit", description = "Audit log tools.", subcommands = AuditCommand.Verify.class)
final class AuditCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "give a subcommand: verify FILE");
    }

    /** Exit 0 "ok: N lines", 1 naming the first bad line, 2 if the file cannot be read. */
    @Command(name = "verify", description = "Check the hash chain of an audit log.")
    static final class Verify implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            AuditVerifier.Result r;
            try {
                r = AuditVerifier.verify(file);
            } catch (IOException e) {
                spec.commandLine().getErr().println("cannot read " + file + ": " + e);
                return 2;
            }
            if (r.ok()) {
                spec.commandLine().getOut().println("ok: " + r.lines() + " lines");
                return 0;
            }
            spec.commandLine().getErr().println(file + ": " + r.problem());
            return 1;
        }
    }
}
