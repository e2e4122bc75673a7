package io.jumpgate.gateway.recording;

import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.AuditWriteException;
import io.jumpgate.core.audit.Outcome;
import io.jumpgate.core.policy.Decision;
import io.jumpgate.core.policy.RecordingMode;
import io.jumpgate.core.target.Target;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ChannelShell;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.channel.PtyCapableChannelSession;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.PtyMode;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.Signal;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * A terminal session the gateway terminates and re-originates to the target, recording it. A MINA server
 * {@link Command}: the gateway's shell or command factory creates one per {@code ssh -t gw TARGET [command]}
 * (through {@link RecordedSessions#create}); MINA hands it the client's streams, pty request and environment.
 *
 * <p>Bridged: pty type, size and modes, later window changes; {@code LANG}; shell or exec; output (recorded
 * before it is shown: a {@code required} session never shows what it could not record); input; EOF; exit
 * status, or exit signal followed by status 128+N (OpenSSH clients ignore exit-signal). Failures reach the user
 * on stderr as one clear line and audit as {@code target.session_failed} with a code.
 */
public final class RecordedSession implements Command {
    private static final Logger LOG = LoggerFactory.getLogger(RecordedSession.class);
    static final int GATEWAY_ERROR = 255;
    /** How long the end of a session waits for queued output to reach a user who is not reading. */
    static final long FORWARD_DRAIN_MILLIS = 60_000;

    private final RecordedSessions owner;
    private final SessionContext ctx;
    private final Decision.Allow allow;
    private final String command;
    private final SessionAudit audit;
    private final Clock clock;
    private final Executor executor;

    private InputStream in;
    private OutputStream out;
    private OutputStream err;
    private ExitCallback exit;

    private volatile ChannelSession serverChannel;
    private volatile ClientSession targetSession;
    private volatile PtyCapableChannelSession targetChannel;
    private volatile SessionRecording recording;
    private volatile String endReason;
    /** The user's channel closed (they gave up, or their connection dropped): nothing more is started for them. */
    private volatile boolean userLeft;
    /** {@code exit.onExit} was called. */
    private volatile boolean exited;
    /** Abandons the connect to the target while it is under way (see {@link #abortableBy}). */
    private volatile Closeable abortConnect;
    private volatile Runnable finished;
    /** Target output to the user: recorded, then shown, on its own thread. */
    private final OutputForwarder forwarder = new OutputForwarder(new OutputForwarder.Session() {
        @Override
        public boolean record(java.util.List<byte[]> chunks) {
            return recording.outputs(chunks);
        }

        @Override
        public void recordingFailed() {
            endForRecording();
        }

        @Override
        public void userUnreachable(IOException e) {
            end("output to the user failed (" + e.getMessage() + ")");
        }

        @Override
        public void passedOn(long bytes) {
            PtyCapableChannelSession ch = targetChannel;
            try {
                if (ch != null && !ch.isClosing()) ch.getLocalWindow().release(bytes);
            } catch (IOException | RuntimeException e) {
                LOG.debug("cannot reopen the window of {}: {}", allow.target().name(), e.toString());
            }
        }
    });

    RecordedSession(RecordedSessions owner, SessionContext ctx, Decision.Allow allow, String command, SessionAudit audit,
                    Clock clock, Executor executor) {
        this.owner = owner;
        this.ctx = ctx;
        this.allow = allow;
        this.command = command == null || command.isBlank() ? null : command;
        this.audit = audit;
        this.clock = clock;
        this.executor = executor;
    }

    @Override
    public void setInputStream(InputStream in) {
        this.in = in;
    }

    @Override
    public void setOutputStream(OutputStream out) {
        this.out = out;
    }

    @Override
    public void setErrorStream(OutputStream err) {
        this.err = err;
    }

    @Override
    public void setExitCallback(ExitCallback callback) {
        this.exit = callback;
    }

    /** The terminal the client asked for (pty-req), or null without a pty. */
    record Pty(String term, int cols, int rows, Map<PtyMode, Integer> modes) {}

    static Pty pty(Environment env) {
        Map<String, String> e = env.getEnv();
        String cols = e.get(Environment.ENV_COLUMNS), rows = e.get(Environment.ENV_LINES);
        if (cols == null || rows == null) return null;
        Map<PtyMode, Integer> modes = new EnumMap<>(PtyMode.class);
        modes.putAll(env.getPtyModes());
        return new Pty(e.getOrDefault(Environment.ENV_TERM, "xterm"), positive(cols, 80), positive(rows, 24), modes);
    }

    private static int positive(String s, int dflt) {
        try {
            int v = Integer.parseInt(s.trim());
            return v > 0 && v < 10_000 ? v : dflt;
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    @Override
    public void start(ChannelSession channel, Environment env) {
        this.serverChannel = channel;
        Pty pty = pty(env);
        String lang = env.getEnv().get("LANG");
        owner.started(this);
        try {
            executor.execute(() -> {
                try {
                    run(channel, env, pty, lang);
                } catch (RuntimeException e) {
                    abandoned(e);
                } finally {
                    owner.ended(this);
                }
            });
        } catch (RuntimeException e) { // rejected: the gateway is stopping
            owner.ended(this);
            throw e;
        }
    }

    private void run(ChannelSession channel, Environment env, Pty pty, String lang) {
        Target target = allow.target();
        String login = owner.loginFor(target);
        String recordingId = RecordedSessions.recordingId(ctx.sessionId(), channel.getChannelId());
        Instant started = clock.instant();
        try {
            recording = owner.recorder().start(recordingId, allow.recording(),
                    header(recordingId, pty, login, started), audit);
        } catch (IOException e) {
            failed("recording_unavailable", "this session must be recorded and the recording cannot be written ("
                    + e.getMessage() + ")", Map.of("recording", recordingId));
            finish(null, null, started);
            return;
        }
        Map<String, Object> opened = new LinkedHashMap<>();
        opened.put("kind", command == null ? "shell" : "exec");
        opened.put("command", command);
        opened.put("login", login);
        opened.put("pty", pty != null);
        opened.put("recording", recording.mode() == RecordingMode.OFF ? null : recordingId);
        opened.put("grant", allow.grantId());
        audit.emit(AuditType.COMMAND_EXECUTED, Outcome.SUCCESS, "ok", opened);
        Integer status = null;
        String signal = null;
        try {
            forwarder.start(executor);
            // Ended (e.g. the gateway is stopping) before or while connecting: no channel. Caught below, as no failure.
            if (endReason != null || userLeft) throw new IOException("ended before connecting");
            targetSession = owner.connector().open(target, allow.port(), login, ctx, this::abortableBy);
            if (endReason != null || userLeft) throw new IOException("ended while connecting");
            OutputStream toUserErr = pty != null ? out : err; // one stream through a pty, as the target's terminal sends it
            PtyCapableChannelSession ch = TargetChannels.create(targetSession, command, forwarder, out, toUserErr);
            targetChannel = ch;
            ch.setAgentForwarding(false);
            ch.setUsePty(pty != null);
            if (pty != null) {
                ch.setPtyType(pty.term());
                ch.setPtyColumns(pty.cols());
                ch.setPtyLines(pty.rows());
                ch.setPtyModes(pty.modes());
            }
            if (lang != null) {
                if (ch instanceof ChannelShell s) s.setEnv("LANG", lang);
                if (ch instanceof ChannelExec x) x.setEnv("LANG", lang);
            }
            ch.open().verify(owner.timeout());
            if (endReason != null || userLeft) ch.close(true); // ended while connecting
            if (pty != null) {
                env.addSignalListener((c, s) -> windowChanged(env), Signal.WINCH);
                // A resize while the gateway was connecting signalled no one: the target starts at the size it has now.
                Pty now = pty(env);
                if (now != null && (now.cols() != pty.cols() || now.rows() != pty.rows())) windowChanged(env);
            }
            executor.execute(this::pumpInput);
            ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), 0L);
            status = ch.getExitStatus();
            signal = ch.getExitSignal();
        } catch (TargetSessionException e) {
            if (endReason == null && !userLeft) failed(e.code(), e.getMessage(), Map.of("login", login)); // else: abandoned
        } catch (IOException | RuntimeException e) {
            if (e instanceof AuditWriteException a) throw a;
            if (endReason == null && !userLeft) failed("channel_failed", "session on " + target.name() + " failed: " + e.getMessage(), Map.of());
        } finally {
            closeTarget();
            // Output still queued reaches the user (recorded first) before the exit status and the recording's hash;
            // when the gateway ended the session it is dropped, and only a write already under way is waited for.
            if (!forwarder.finish(FORWARD_DRAIN_MILLIS)) forwarder.stop();
        }
        finish(status, signal, started);
    }

    private AsciicastHeader header(String id, Pty pty, String login, Instant started) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("TERM", pty == null ? "dumb" : pty.term());
        env.put("SHELL", "/bin/sh");
        Map<String, Object> jg = new LinkedHashMap<>();
        jg.put("recording", id);
        jg.put("session", ctx.sessionId());
        jg.put("user", ctx.user());
        jg.put("source", ctx.source());
        jg.put("target", allow.target().name());
        jg.put("address", allow.target().addressText() + ":" + allow.port());
        jg.put("login", login);
        jg.put("grant", allow.grantId());
        jg.put("command", command);
        jg.put("mode", allow.recording().name().toLowerCase());
        return new AsciicastHeader(pty == null ? 80 : pty.cols(), pty == null ? 24 : pty.rows(), started, env, jg);
    }

    private void windowChanged(Environment env) {
        Pty now = pty(env);
        PtyCapableChannelSession ch = targetChannel;
        if (now == null || ch == null) return;
        if (!recording.resize(now.cols(), now.rows())) {
            endForRecording();
            return;
        }
        try {
            ch.sendWindowChange(now.cols(), now.rows());
        } catch (IOException e) {
            LOG.debug("window change to {} failed", allow.target().name(), e);
        }
    }

    /** User input to the target until the user's EOF (sent on as EOF) or the session ends. */
    private void pumpInput() {
        PtyCapableChannelSession ch = targetChannel;
        byte[] buf = new byte[32 * 1024];
        try (OutputStream toTarget = ch.getInvertedIn()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (n == 0) continue;
                if (!recording.input(buf, 0, n)) {
                    endForRecording();
                    return;
                }
                toTarget.write(buf, 0, n);
                toTarget.flush();
            }
        } catch (IOException e) {
            LOG.debug("input pump to {} ended: {}", allow.target().name(), e.toString());
        }
    }

    /** A required recording failed mid-session: stop showing output and end the session. */
    private void endForRecording() {
        end("recording failed (" + recording.failure() + "); this session must be recorded and has been ended");
    }

    /**
     * Ends the session from the gateway's side (e.g. the grant that admitted it ended): the user is told
     * {@code reason} and the session closes as {@code ended_by_gateway}. Does not block.
     */
    public void end(String reason) {
        if (endReason != null) return;
        endReason = reason;
        abort(abortConnect); // a connect still under way is abandoned, not waited out (up to sessions.connectTimeout)
        forwarder.stop(); // nothing more is shown
        PtyCapableChannelSession ch = targetChannel;
        if (ch != null) ch.close(true);
    }

    /** What abandons the connect to the target now under way; run at once if the session has already ended. */
    private void abortableBy(Closeable abort) {
        abortConnect = abort;
        if (endReason != null || userLeft) abort(abort);
    }

    private void abort(Closeable abort) {
        if (abort == null) return;
        try {
            abort.close();
        } catch (IOException | RuntimeException e) {
            LOG.debug("abandoning the connect to {}: {}", allow.target().name(), e.toString());
        }
    }

    /** Runs {@code r} once the session has ended (or its channel is destroyed before it started). */
    public void whenFinished(Runnable r) {
        this.finished = r;
    }

    private void runFinished() {
        Runnable r = finished;
        if (r != null) r.run();
    }

    private void failed(String code, String message, Map<String, ?> fields) {
        endReason = message;
        audit.emit(AuditType.TARGET_SESSION_FAILED, Outcome.FAILURE, code, fields);
    }

    private void closeTarget() {
        ClientSession s = targetSession;
        if (s != null) s.close(false);
    }

    private void finish(Integer status, String signal, Instant started) {
        SessionRecording.Result rec = recording == null ? null : recording.finish();
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("kind", "recorded");
        f.put("exitStatus", status);
        f.put("exitSignal", signal);
        f.put("durationMs", java.time.Duration.between(started, clock.instant()).toMillis());
        if (rec != null && rec.file() != null) {
            f.put("recording", rec.id());
            f.put("sha256", rec.sha256());
            f.put("recordingComplete", rec.failure() == null);
        }
        // Without an exit status or signal the session did not end on the target: its user left, or the connection to
        // the target was lost (which the user is told, and which is no clean end).
        boolean endedOnTarget = status != null || signal != null;
        boolean lost = endReason == null && !endedOnTarget && !userLeft;
        Outcome outcome = endReason != null || lost ? Outcome.FAILURE : endedOnTarget ? Outcome.SUCCESS : Outcome.INFO;
        String closed = endReason != null ? "ended_by_gateway" : lost ? "target_lost" : endedOnTarget ? "ok" : "user_left";
        audit.emit(AuditType.SESSION_CLOSED, outcome, closed, f);
        owner.audited(this); // a gateway stop waits for this, and only briefly for the rest (a stalled user holds it up)
        int code;
        if (endReason != null) {
            code = GATEWAY_ERROR;
            tell("\r\njumpgate: " + endReason + "\r\n");
        } else if (lost) {
            code = GATEWAY_ERROR;
            tell("\r\njumpgate: the connection to " + allow.target().name() + " was lost\r\n");
        } else if (signal != null) {
            Signal sig = Signal.get(signal);
            code = 128 + (sig == null ? 0 : sig.getNumeric());
            sendExitSignal(signal);
        } else {
            code = status == null ? GATEWAY_ERROR : status;
        }
        if (recording != null && recording.failure() != null && endReason == null) {
            tell("\r\njumpgate: recording stopped (" + recording.failure() + ")\r\n");
        }
        try {
            out.flush();
            err.flush();
        } catch (IOException ignored) {
            // the client is gone
        }
        exitWith(code);
    }

    /** Ends the user's channel with {@code code} (and {@link #endReason} as the message), once. */
    private void exitWith(int code) {
        runFinished();
        exited = true;
        exit.onExit(code, endReason == null ? "" : endReason);
    }

    /**
     * The session's own path threw (the audit log cannot be written, above all): the session must not go on, and
     * must not hang either. Ends it on both sides, closes the recording as far as it can, and tells the user.
     */
    private void abandoned(RuntimeException e) {
        LOG.error("recorded session {} on {} abandoned: {}", ctx.sessionId(), allow.target().name(), e.toString(), e);
        if (endReason == null) endReason = e instanceof AuditWriteException
                ? "the session cannot be audited and has been ended" : "the session failed in the gateway and has been ended";
        abort(abortConnect);
        forwarder.stop();
        PtyCapableChannelSession ch = targetChannel;
        if (ch != null) ch.close(true);
        closeTarget();
        SessionRecording r = recording;
        if (r != null) {
            try {
                r.finish();
            } catch (RuntimeException again) {
                e.addSuppressed(again); // the file is closed before its audit event is attempted
            }
        }
        owner.audited(this);
        if (!exited) {
            tell("\r\njumpgate: " + endReason + "\r\n");
            exitWith(GATEWAY_ERROR);
        }
    }

    private void tell(String line) {
        try {
            err.write(line.getBytes(StandardCharsets.UTF_8));
            err.flush();
        } catch (IOException ignored) {
            // the client is gone
        }
    }

    private void sendExitSignal(String signal) {
        ChannelSession ch = serverChannel;
        try {
            Buffer b = ch.getSession().createBuffer(SshConstants.SSH_MSG_CHANNEL_REQUEST);
            b.putUInt(ch.getRecipient());
            b.putString("exit-signal");
            b.putBoolean(false);
            b.putString(signal);
            b.putBoolean(false);
            b.putString("");
            b.putString("");
            ch.writePacket(b);
        } catch (IOException e) {
            LOG.debug("cannot send exit-signal", e);
        }
    }

    @Override
    public void destroy(ChannelSession channel) {
        // The user's channel is gone (they gave up, or their connection dropped): a connect still under way is abandoned,
        // so nothing is started on the target for no one (an exec would otherwise run unattended).
        userLeft = true;
        abort(abortConnect);
        runFinished();
        PtyCapableChannelSession ch = targetChannel;
        if (ch != null) ch.close(false);
        closeTarget();
    }
}
