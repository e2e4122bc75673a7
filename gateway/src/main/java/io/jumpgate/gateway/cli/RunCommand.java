package io.jumpgate.gateway.cli;

import io.jumpgate.config.JumpgateConfig;
import io.jumpgate.gateway.Gateway;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "run", description = "Run the gateway.")
final class RunCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "FILE")
    Path config;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        var loaded = ConfigFiles.load(config, spec.commandLine().getErr());
        if (loaded.isEmpty()) return ConfigFiles.INVALID;
        JumpgateConfig c = loaded.get();
        // A key or list the gateway cannot read is a config error (exit 2: systemd does not restart on it).
        if (!ConfigFiles.startupFilesReadable(config, c, spec.commandLine().getErr())) return ConfigFiles.INVALID;
        return startAndWait(c, spec.commandLine().getOut(), spec.commandLine().getErr(), null);
    }

    /** Starts the gateway with a shutdown hook that stops it cleanly (closing the audit log), then blocks. */
    static int startAndWait(JumpgateConfig c, PrintWriter out, PrintWriter err, java.util.function.Consumer<Gateway> started) {
        Gateway gw;
        try {
            gw = Gateway.builder(c).build().start();
        } catch (IOException | RuntimeException e) {
            err.println("jumpgate: cannot start: " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(gw::close, "jumpgate-shutdown"));
        out.println("jumpgate: SSH on " + gw.ssh().address().getAddress().getHostAddress() + ":" + gw.ssh().address().getPort()
                + ", host key " + gw.ssh().hostKeyFingerprint());
        if (!gw.rdpPorts().isEmpty()) {
            out.println("jumpgate: RDP relay on " + c.rdp().listenHost() + " ports " + gw.rdpPorts());
        }
        if (started != null) started.accept(gw);
        out.flush();
        try {
            new java.util.concurrent.CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        gw.close();
        return 0;
    }
}
