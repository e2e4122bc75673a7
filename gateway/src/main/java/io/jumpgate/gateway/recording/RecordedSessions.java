package io.jumpgate.gateway.recording;

import io.jumpgate.config.RecordingSettings;
import io.jumpgate.config.SessionSettings;
import io.jumpgate.core.audit.AuditSink;
import io.jumpgate.gateway.ssh.KeyFiles;
import io.jumpgate.core.policy.Decision;
import io.jumpgate.core.recording.RecordingArchive;
import io.jumpgate.core.target.Target;

import java.io.Closeable;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Creates {@link RecordedSession}s. One per gateway; holds the target connector (one MINA client), the recorder
 * and the audit sink. The gateway's shell/command factory calls {@link #create} once per session channel.
 */
public final class RecordedSessions implements Closeable {
    private final TargetConnector connector;
    private final Recorder recorder;
    private final Function<Target, String> logins;
    private final AuditSink audit;
    private final Clock clock;
    private final Duration timeout;
    /** Sessions whose run has started and not yet finished (guarded by itself). */
    private final Set<RecordedSession> live = new HashSet<>();
    /** Of those, the ones whose end is not yet audited (guarded by {@link #live}). */
    private final Set<RecordedSession> unaudited = new HashSet<>();
    /** How long a stop lets audited sessions tell their users why they end (a user who is not reading cannot hold it). */
    private static final Duration TELL_GRACE = Duration.ofSeconds(2);
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "jumpgate-recorded-session");
        t.setDaemon(true);
        return t;
    });

    public RecordedSessions(TargetConnector connector, Recorder recorder, Function<Target, String> logins, AuditSink audit,
                            Clock clock, Duration timeout) {
        this.connector = connector;
        this.recorder = recorder;
        this.logins = logins;
        this.audit = audit;
        this.clock = clock;
        this.timeout = timeout;
    }

    /** Builds everything from the configuration: reads the identity or CA key and the target host keys. */
    public static RecordedSessions fromConfig(SessionSettings sessions, RecordingSettings recordings, RecordingArchive archive,
                                              AuditSink audit, Clock clock) throws IOException {
        TargetAuthenticator auth = switch (sessions.auth()) {
            // Generated 0600 on first start (with .pub beside it), like the host key: operators install the public
            // half on targets (authorized_keys, or TrustedUserCAKeys for the CA).
            case KEY -> new IdentityKeyAuthenticator(KeyFiles.loadOrGenerate(sessions.identityKey(), "jumpgate-target-identity"));
            case CERTIFICATE -> new SessionCertificateAuthenticator(KeyFiles.loadOrGenerate(sessions.userCaKey(), "jumpgate-user-ca"),
                    sessions.certificateValidity(), clock);
        };
        TargetHostKeys hostKeys = TargetHostKeys.load(sessions.knownHosts(), sessions.hostCaKeys(), clock);
        return new RecordedSessions(new TargetConnector(hostKeys, auth, sessions.connectTimeout()),
                new Recorder(recordings.dir(), archive, recordings.recordInput(), System::nanoTime),
                sessions::loginFor, audit, clock, sessions.connectTimeout());
    }

    /**
     * A session for one {@code session}/{@code exec} channel.
     *
     * @param ctx     gateway session id, user and client address
     * @param allow   the policy decision for the target's SSH port (target, port, grant, recording mode)
     * @param command the command to run, or null for a login shell
     */
    public RecordedSession create(SessionContext ctx, Decision.Allow allow, String command) {
        return new RecordedSession(this, ctx, allow, command,
                new SessionAudit(audit, clock, ctx, allow.target(), allow.port()), clock, executor);
    }

    void started(RecordedSession s) {
        synchronized (live) {
            live.add(s);
            unaudited.add(s);
        }
    }

    /** Called by a session once its end (and its recording's hash) is audited. */
    void audited(RecordedSession s) {
        synchronized (live) {
            unaudited.remove(s);
            live.notifyAll();
        }
    }

    /** Called last by a session's run. */
    void ended(RecordedSession s) {
        synchronized (live) {
            live.remove(s);
            unaudited.remove(s);
            live.notifyAll();
        }
    }

    /**
     * Ends every live session with {@code reason} and waits up to {@code timeout} until each has audited its end and
     * its recording's hash, then briefly for each to tell its user and exit 255. For a gateway stop, before the audit
     * log closes; idempotent.
     *
     * @return false if some session's end was not audited by the timeout
     */
    public boolean endAll(String reason, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean audited;
        do { // sessions that start meanwhile are ended too (end is idempotent)
            List<RecordedSession> now;
            synchronized (live) {
                now = List.copyOf(live);
            }
            for (RecordedSession s : now) s.end(reason);
            synchronized (live) {
                audited = await(unaudited, Math.min(deadline, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100)));
            }
        } while (!audited && System.nanoTime() - deadline < 0);
        synchronized (live) {
            await(live, Math.min(deadline, System.nanoTime() + TELL_GRACE.toNanos()));
        }
        return audited;
    }

    /** Waits, holding {@link #live}'s monitor, until {@code set} is empty or {@code deadline} (nanoTime) passes. */
    private boolean await(Set<RecordedSession> set, long deadline) {
        while (!set.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) return false;
            try {
                live.wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** Recording ids are the gateway session id plus the channel, as a file name. */
    static String recordingId(String sessionId, long channelId) {
        String s = sessionId.replaceAll("[^A-Za-z0-9_.\\-]", "_");
        if (s.isEmpty() || !Character.isLetterOrDigit(s.charAt(0))) s = "s" + s;
        if (s.length() > 100) s = s.substring(0, 100);
        return s + "-" + channelId;
    }

    String loginFor(Target t) {
        return logins.apply(t);
    }

    TargetConnector connector() {
        return connector;
    }

    Recorder recorder() {
        return recorder;
    }

    Duration timeout() {
        return timeout;
    }

    @Override
    public void close() throws IOException {
        executor.shutdownNow();
        connector.close();
    }
}
