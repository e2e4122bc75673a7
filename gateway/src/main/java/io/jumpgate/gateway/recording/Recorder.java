package io.jumpgate.gateway.recording;

import io.jumpgate.core.audit.AuditType;
import io.jumpgate.core.audit.Outcome;
import io.jumpgate.core.policy.RecordingMode;
import io.jumpgate.core.recording.LocalDirectoryArchive;
import io.jumpgate.core.recording.RecordingArchive;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Starts session recordings: asciicast files named by recording id in a 0700 directory, flushed per event,
 * handed to the archive when finished.
 */
public final class Recorder {
    private final LocalDirectoryArchive live;
    private final RecordingArchive archive;
    private final boolean recordInput;
    private final LongSupplier nanoTime;

    /**
     * @param dir         where live recordings are written
     * @param archive     where finished recordings go (the same directory, or Blob storage)
     * @param recordInput also record what users type
     */
    public Recorder(Path dir, RecordingArchive archive, boolean recordInput, LongSupplier nanoTime) {
        this.live = new LocalDirectoryArchive(dir);
        this.archive = archive;
        this.recordInput = recordInput;
        this.nanoTime = nanoTime;
    }

    public Path dir() {
        return live.dir();
    }

    /**
     * Starts recording {@code id} as {@code mode} asks. When the file cannot be created a {@code REQUIRED} session is
     * refused (this throws); an {@code ON} session goes on unrecorded. Both are audited.
     */
    SessionRecording start(String id, RecordingMode mode, AsciicastHeader header, SessionAudit audit) throws IOException {
        if (mode == RecordingMode.OFF) return SessionRecording.off(id);
        Path file = null;
        AsciicastWriter writer = null;
        try {
            live.ensureDirectory();
            file = live.fileOf(id);
            writer = new AsciicastWriter(new RecordingFileStream(file), nanoTime);
            writer.header(header);
        } catch (IOException e) {
            if (writer != null) {
                try {
                    writer.close();
                } catch (IOException ignored) {
                    // already failing
                }
            }
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("recording", id);
            f.put("mode", mode.name().toLowerCase());
            f.put("error", describe(e));
            f.put("dir", live.dir().toString());
            audit.emit(AuditType.RECORDING_FAILED, Outcome.FAILURE, "cannot_start", f);
            if (mode == RecordingMode.REQUIRED) throw new IOException(describe(e), e);
            return SessionRecording.off(id);
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("recording", id);
        f.put("mode", mode.name().toLowerCase());
        f.put("file", file.toString());
        f.put("input", recordInput);
        audit.emit(AuditType.RECORDING_STARTED, Outcome.SUCCESS, "ok", f);
        return new SessionRecording(id, mode, file, writer, archive, audit, recordInput);
    }

    static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
