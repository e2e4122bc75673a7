package io.jumpgate.gateway;

import io.jumpgate.core.audit.AuditVerifier.Anchor;
import io.jumpgate.core.audit.JsonLinesAuditLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Writes the audit chain's head ({@code SEQ:HASH} of its last line) to the operator log, logger
 * {@code jumpgate.audit.anchor}, whenever it has moved: every {@link #EVERY} and once more at close, after the
 * gateway's stop is audited. The operator log (journald, or wherever it is shipped) is a second place: someone who
 * can rewrite the audit file, cut its tail or re-chain it from some line on, must also rewrite those lines, and
 * {@code jumpgate audit verify FILE --anchor SEQ:HASH} finds what they did not. The audit log stays the security
 * record; anchors only check it.
 */
final class AuditAnchors implements AutoCloseable {
    static final Duration EVERY = Duration.ofMinutes(1);
    static final String LOGGER = "jumpgate.audit.anchor";
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    private final JsonLinesAuditLog audit;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "jumpgate-audit-anchor");
        t.setDaemon(true);
        return t;
    });
    private Anchor logged;

    AuditAnchors(JsonLinesAuditLog audit) {
        this.audit = audit;
    }

    AuditAnchors start(Duration every) {
        timer.scheduleWithFixedDelay(this::logIfMoved, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    synchronized void logIfMoved() {
        Anchor head = audit.head();
        if (head == null || head.equals(logged)) return;
        LOG.info("audit chain head {} ({})", head, audit.file());
        logged = head;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        logIfMoved();
    }
}
