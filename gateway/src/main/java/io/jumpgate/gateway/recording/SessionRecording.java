package io.jumpgate.gateway.recording;

import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.Outcome;
import io.jumpgate.core.policy.RecordingMode;
import io.jumpgate.core.recording.RecordingArchive;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The live recording of one terminal session. Thread-safe. When writing fails, an {@code ON} session goes on
 * unrecorded; a {@code REQUIRED} session must end ({@link #output} returns false). Either way what was written
 * stays, and the failure is audited once.
 */
public final class SessionRecording {
    private final String id;
    private final RecordingMode mode;
    private final Path file;
    private final AsciicastWriter writer;
    private final RecordingArchive archive;
    private final SessionAudit audit;
    private final boolean recordInput;
    private String failure;
    private boolean finished;

    SessionRecording(String id, RecordingMode mode, Path file, AsciicastWriter writer, RecordingArchive archive,
                     SessionAudit audit, boolean recordInput) {
        this.id = id;
        this.mode = mode;
        this.file = file;
        this.writer = writer;
        this.archive = archive;
        this.audit = audit;
        this.recordInput = recordInput;
    }

    /** A session that is not recorded. */
    static SessionRecording off(String id) {
        return new SessionRecording(id, RecordingMode.OFF, null, null, null, null, false);
    }

    public String id() {
        return id;
    }

    public boolean active() {
        return writer != null && failure == null;
    }

    public RecordingMode mode() {
        return mode;
    }

    /** Why recording stopped, or null. */
    public synchronized String failure() {
        return failure;
    }

    /** Records terminal output; false when the session may not go on (required, and recording failed). */
    public boolean output(byte[] b, int off, int len) {
        return outputs(java.util.List.of(java.util.Arrays.copyOfRange(b, off, off + len)));
    }

    /** Records output chunks in one write (see {@link AsciicastWriter#outputs}); false as for {@link #output}. */
    public synchronized boolean outputs(java.util.List<byte[]> chunks) {
        if (writer == null) return true;
        if (failure == null) {
            try {
                writer.outputs(chunks);
            } catch (IOException e) {
                fail(e);
            }
        }
        return (failure == null || mode != RecordingMode.REQUIRED) && !unaudited;
    }

    public synchronized boolean input(byte[] b, int off, int len) {
        if (writer == null || !recordInput) return true;
        if (failure == null) {
            try {
                writer.input(b, off, len);
            } catch (IOException e) {
                fail(e);
            }
        }
        return (failure == null || mode != RecordingMode.REQUIRED) && !unaudited;
    }

    public synchronized boolean resize(int cols, int rows) {
        if (writer == null) return true;
        if (failure == null) {
            try {
                writer.resize(cols, rows);
            } catch (IOException e) {
                fail(e);
            }
        }
        return (failure == null || mode != RecordingMode.REQUIRED) && !unaudited;
    }

    /** A recording failure could not be audited: the session may not go on. */
    private boolean unaudited;

    private void fail(IOException e) {
        failure = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("recording", id);
        f.put("mode", mode.name().toLowerCase());
        f.put("error", failure);
        f.put("bytesKept", writer.bytes());
        f.put("file", String.valueOf(file));
        try {
            audit.emit(AuditType.RECORDING_FAILED, Outcome.FAILURE, "write_failed", f);
        } catch (RuntimeException auditDown) {
            // A full disk often takes the audit log with the recording: a failure that cannot be audited ends the
            // session whatever the mode (fail closed), instead of escaping into the thread that records.
            unaudited = true;
        }
    }

    /** Closes the file, hands it to the archive and audits {@code recording.finished} with its SHA-256; idempotent. */
    public synchronized Result finish() {
        if (writer == null) return new Result(id, null, null, 0, null);
        if (finished) return result();
        finished = true;
        try {
            writer.close();
        } catch (IOException e) {
            if (failure == null) fail(e);
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("recording", id);
        f.put("file", file.toString());
        f.put("sha256", writer.sha256());
        f.put("bytes", writer.bytes());
        f.put("complete", failure == null);
        try {
            archive.store(id, file);
        } catch (IOException | RuntimeException e) {
            f.put("archiveError", String.valueOf(e.getMessage()));
        }
        audit.emit(AuditType.RECORDING_FINISHED, failure == null ? Outcome.SUCCESS : Outcome.FAILURE,
                failure == null ? "ok" : "incomplete", f);
        return result();
    }

    private Result result() {
        return new Result(id, file, writer.sha256(), writer.bytes(), failure);
    }

    /** A finished recording: its file and hash, and the failure that cut it short (null when complete). */
    public record Result(String id, Path file, String sha256, long bytes, String failure) {}
}
