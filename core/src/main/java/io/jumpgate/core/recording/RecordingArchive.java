package io.jumpgate.core.recording;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * Where finished recordings are kept for review: a local directory, or Azure Blob Storage. The gateway
 * always writes the live recording to a local file first (flushed per event), then hands the finished
 * file to the archive.
 */
public interface RecordingArchive {
    /** Archives a finished recording file under {@code id}; may spool and retry later (never loses the file). */
    void store(String id, Path finishedFile) throws IOException;

    /** Recordings known to the archive. */
    List<Entry> list() throws IOException;

    /** Opens a recording's bytes (asciicast v2). */
    InputStream open(String id) throws IOException;

    /** One archived recording. */
    record Entry(String id, long size, Instant lastModified) {}
}
