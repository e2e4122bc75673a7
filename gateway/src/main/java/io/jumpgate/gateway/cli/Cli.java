package io.jumpgate.gateway.cli;

import io.jumpgate.gateway.jit.GrantsCommand;
import io.jumpgate.gateway.recording.RecordingsCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintStream;
import java.io.PrintWriter;

/** {@code jumpgate run | demo | check-config | audit verify | grants | recordings}. */
@Command(name = "jumpgate", mixinStandardHelpOptions = true, version = "jumpgate 0.1.0",
        description = "SSH/RDP jumpbox gateway.",
        subcommands = {RunCommand.class, DemoCommand.class, CheckConfigCommand.class, AuditCommand.class,
                GrantsCommand.class, RecordingsCommand.class})
public final class Cli implements Runnable {
    /** Returned by commands that started a gateway: the caller must not exit (the gateway runs until stopped). */
    public static final int KEEP_RUNNING = -1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "give a command: run, demo, check-config, audit verify, grants, recordings");
    }

    public static int execute(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(new Cli());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        CommandLine recordings = cl.getSubcommands().get("recordings");
        ((RecordingsCommand) recordings.getCommand()).rawOut = out;
        // picocli asks the top-level handler about a subcommand's failure: recordings keeps its own exit codes.
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            if (isWithin(line, recordings)) return RecordingsCommand.failed(ex, line, parsed);
            throw ex;
        });
        return cl.execute(args);
    }

    private static boolean isWithin(CommandLine line, CommandLine ancestor) {
        for (CommandLine l = line; l != null; l = l.getParent()) {
            if (l == ancestor) return true;
        }
        return false;
    }
}
