package io.jumpgate.gateway.jit;

import io.jumpgate.gateway.testing.OpenSshClient;
import io.jumpgate.testkit.Poll;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A long-running real {@code ssh} (e.g. {@code ssh -J gw web_0 cat}) whose stdin the test writes and whose
 * output it reads back: proves an established session still carries bytes, not just that the process lives.
 */
final class LiveSsh implements AutoCloseable {
    private final Process process;
    private final OutputStream stdin;
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();

    private LiveSsh(Process process) {
        this.process = process;
        this.stdin = process.getOutputStream();
        Thread t = new Thread(() -> {
            try (InputStream in = process.getInputStream()) {
                byte[] buf = new byte[4096];
                for (int n; (n = in.read(buf)) >= 0; ) output.write(buf, 0, n);
            } catch (IOException ignored) {
                // the process ended
            }
        }, "live-ssh-output");
        t.setDaemon(true);
        t.start();
    }

    static LiveSsh start(OpenSshClient client, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ssh", "-F", client.config().toString()));
        cmd.addAll(List.of(args));
        return new LiveSsh(new ProcessBuilder(cmd).redirectErrorStream(true).start());
    }

    /** Writes {@code line} and waits (bounded) until the target echoed it back (remote {@code cat}, or its tty). */
    LiveSsh echo(String line) throws IOException {
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
        try {
            Poll.until(Duration.ofSeconds(15), "'" + line + "' echoed through the session", () -> output().contains(line));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; output: " + output() + (alive() ? "" : "; ssh ended"), e);
        }
        return this;
    }

    String output() {
        return output.toString(StandardCharsets.UTF_8);
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Waits (bounded) for the process to end; returns its exit status. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("ssh still running after " + timeout + "; output: " + output());
        }
        return process.exitValue();
    }

    /** Ends the session from the client side: EOF on stdin ends the remote {@code cat}. */
    int finish() throws IOException, InterruptedException {
        stdin.close();
        return awaitExit(Duration.ofSeconds(15));
    }

    @Override
    public void close() throws InterruptedException {
        io.jumpgate.testkit.Processes.stop(process, java.time.Duration.ofSeconds(5));
    }
}
