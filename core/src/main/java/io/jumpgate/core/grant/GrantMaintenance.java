package io.jumpgate.core.grant;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The one background thread of the grant service: every {@code interval} it takes in changes from other
 * gateways ({@link GrantService#refresh}) and expires grants past their end ({@link GrantService#expireDue}).
 * Grant listeners therefore hear of an expiry or a remote revocation at most about one interval late; the
 * connection path does not wait for it (the index compares the clock itself).
 */
public final class GrantMaintenance implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GrantMaintenance.class);

    private final GrantService service;
    private final Duration interval;
    private final ScheduledExecutorService executor;

    public GrantMaintenance(GrantService service, Duration interval) {
        if (interval.isZero() || interval.isNegative()) throw new IllegalArgumentException("interval must be positive");
        this.service = service;
        this.interval = interval;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jumpgate-grants");
            t.setDaemon(true);
            return t;
        });
    }

    public GrantMaintenance start() {
        long ms = interval.toMillis();
        executor.scheduleWithFixedDelay(this::runOnce, ms, ms, TimeUnit.MILLISECONDS);
        return this;
    }

    /**
     * One round: refresh, then sweep. Failures (database down) are logged and retried next round; the sweep runs even
     * when the refresh failed, so connections of grants past their end are cut on time while the store is away.
     */
    public void runOnce() {
        try {
            service.refresh();
        } catch (RuntimeException e) {
            log.warn("grant refresh failed (retrying in {} ms): {}", interval.toMillis(), e.toString());
        }
        try {
            service.expireDue();
        } catch (RuntimeException e) {
            log.warn("grant expiry failed (retrying in {} ms): {}", interval.toMillis(), e.toString());
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
