package io.jumpgate.testkit;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Stopping test peers (sshd, ssh clients, Azurite) started as processes. */
public final class Processes {
    private Processes() {}

    /** SIGTERM, then SIGKILL if it is still running after {@code grace}; waits at most {@code grace} again. */
    public static void stop(Process process, Duration grace) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
