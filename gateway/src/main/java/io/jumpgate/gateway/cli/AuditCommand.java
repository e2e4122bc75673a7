package io.jumpgate.gateway.cli;

import io.jumpgate.core.audit.AuditVerifier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "audit", description = "Audit log tools.", subcommands = AuditCommand.Verify.class)
final class AuditCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "give a subcommand: verify FILE [--anchor SEQ:HASH]...");
    }

    /** Exit 0 "ok: N lines, head SEQ:HASH", 1 naming the first bad line or missing anchor, 2 if the file cannot be read. */
    @Command(name = "verify", description = "Check the hash chain of an audit log (and that it still holds anchors "
            + "taken earlier, e.g. the gateway's 'audit chain head SEQ:HASH' operator log lines).")
    static final class Verify implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @CommandLine.Option(names = "--anchor", paramLabel = "SEQ:HASH",
                description = "a line recorded elsewhere that the log must still hold, unchanged (repeatable)")
        List<String> anchors = new ArrayList<>();

        @CommandLine.Option(names = "--after", paramLabel = "SEQ:HASH",
                description = "for a file split off an earlier one by hand: that file's head, which this one must follow")
        String after;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            List<AuditVerifier.Anchor> expected = new ArrayList<>();
            for (String a : anchors) {
                try {
                    expected.add(AuditVerifier.Anchor.parse(a.strip()));
                } catch (IllegalArgumentException e) {
                    spec.commandLine().getErr().println("--anchor " + a + ": " + e.getMessage());
                    return 2;
                }
            }
            AuditVerifier.Anchor follows = null;
            if (after != null) {
                try {
                    follows = AuditVerifier.Anchor.parse(after.strip());
                } catch (IllegalArgumentException e) {
                    spec.commandLine().getErr().println("--after " + after + ": " + e.getMessage());
                    return 2;
                }
            }
            AuditVerifier.Result r;
            try {
                r = AuditVerifier.verify(file, expected, follows);
            } catch (IOException e) {
                spec.commandLine().getErr().println("cannot read " + file + ": " + e);
                return 2;
            }
            if (r.ok()) {
                spec.commandLine().getOut().println("ok: " + r.lines() + " lines" + (r.head() == null ? "" : ", head " + r.head())
                        + (expected.isEmpty() ? "" : ", " + expected.size() + (expected.size() == 1 ? " anchor" : " anchors") + " found"));
                return 0;
            }
            spec.commandLine().getErr().println(file + ": " + r.problem());
            return 1;
        }
    }
}
