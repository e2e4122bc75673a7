package io.jumpgate.gateway.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A finished process: exit status and everything it printed. Every run is bounded in time. */
public record ProcessResult(int exit, String out, String err) {
    public static ProcessResult run(Duration timeout, Map<String, String> env, Path stdin, List<String> command)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        if (stdin != null) {
            pb.redirectInput(stdin.toFile());
        } else {
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        Process p = pb.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread to = pump(p.getInputStream(), out);
        Thread te = pump(p.getErrorStream(), err);
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
            throw new AssertionError("timed out after " + timeout + ": " + String.join(" ", command) + "\nstderr: "
                    + err.toString(StandardCharsets.UTF_8));
        }
        to.join(5000);
        te.join(5000);
        return new ProcessResult(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Thread pump(InputStream in, ByteArrayOutputStream to) {
        Thread t = new Thread(() -> {
            try (in) {
                in.transferTo(to);
            } catch (IOException ignored) {
                // process ended
            }
        }, "pump");
        t.setDaemon(true);
        t.start();
        return t;
    }

    public ProcessResult requireSuccess(String what) {
        if (exit != 0) {
            throw new AssertionError(what + " exited " + exit + "\nstdout: " + out + "\nstderr: " + err);
        }
        return this;
    }

    @Override
    public String toString() {
        return "exit " + exit + "\nstdout: " + out + "\nstderr: " + err;
    }
}
