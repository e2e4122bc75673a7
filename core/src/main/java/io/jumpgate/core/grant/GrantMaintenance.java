package io.jumpgate.core.grant;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The background work of the grant service, every {@code interval}: on one thread it takes in changes from other
 * gateways ({@link GrantService#refresh}) and expires grants past their end ({@link GrantService#expireDue}); on
 * another it tells listeners of grants past their end from the clock alone ({@link GrantService#tellExpired}), so
 * that a store that hangs (each call is bounded by the store's timeouts, which can be much longer than the interval)
 * does not delay the cutting of connections. Grant listeners therefore hear of an expiry about one interval late at
 * most, and of a remote revocation about one interval after the store answers; the connection path does not wait
 * for either (the index compares the clock itself).
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
        // Two threads: one may wait on the store while the other keeps to the clock.
        this.executor = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "jumpgate-grants");
            t.setDaemon(true);
            return t;
        });
    }

    public GrantMaintenance start() {
        long ms = interval.toMillis();
        executor.scheduleWithFixedDelay(this::tellExpired, ms, ms, TimeUnit.MILLISECONDS);
        executor.scheduleWithFixedDelay(this::storeRound, ms, ms, TimeUnit.MILLISECONDS);
        return this;
    }

    /** One round of both (tests): the clock's part first, then the store's. */
    public void runOnce() {
        tellExpired();
        storeRound();
    }

    private void tellExpired() {
        try {
            service.tellExpired();
        } catch (RuntimeException e) {
            log.error("telling listeners of expired grants failed (retrying in {} ms)", interval.toMillis(), e);
        }
    }

    /**
     * Audit events still queued, refresh, then sweep. Failures (database down) are logged and retried next round; the
     * sweep runs even when the refresh failed.
     */
    private void storeRound() {
        try {
            service.writeQueuedAudit(); // logs at ERROR while the audit log refuses them
        } catch (RuntimeException e) {
            log.error("writing queued grant audit events failed", e);
        }
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
        try {
            service.writeQueuedAudit(); // a last try; what is still queued then has only the operator log left
        } catch (RuntimeException e) {
            log.error("writing queued grant audit events failed", e);
        }
        for (var e : service.queuedAudit()) {
            log.error("grant audit event lost at stop (the audit log could not be written): {} of grant {} at {} by {}",
                    e.type().eventName(), e.fields().get("grant"), e.time(), e.user());
        }
    }
}
