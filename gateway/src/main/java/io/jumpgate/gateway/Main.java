package io.jumpgate.gateway;

import io.jumpgate.gateway.cli.Cli;

/** Entry point of the {@code jumpgate} command. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        int code = Cli.execute(args, System.out, System.err);
        if (code != Cli.KEEP_RUNNING) {
            System.exit(code);
        }
    }
}
