package io.jumpgate.gateway.recording;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A new recording file (created 0600, never overwriting) where each {@code write} is all or nothing: when
 * the disk fills up part-way through a line, the file is cut back to where the line started, so what was
 * written before stays a complete, playable asciicast.
 *
 * <p>Closing makes the file durable ({@code fsync}) before its hash is audited. So that closing does not wait for
 * the whole recording to reach the disk, every {@link #WRITEBACK_BYTES} written are synced in the background (one
 * shared thread, at most one sync per file at a time) while the session goes on; a failed background sync fails
 * {@link #close}. What is synced is then dropped from the page cache ({@link PageCache}): a recording is written
 * once and rarely read, so a long session recycles a few megabytes of memory instead of filling the cache.
 *
 * <p>Written through a {@link RandomAccessFile}, never a {@code FileChannel}: an interrupt (a stop whose drain timed
 * out interrupts the session threads) closes a file channel after its bytes may already be in the file, so the line
 * could be neither cut back nor counted, the audited hash would differ from the file, and close would skip the
 * {@code fsync}. A {@code RandomAccessFile} ignores interrupts: the file always holds exactly what the writer hashed.
 */
final class RecordingFileStream extends OutputStream {
    /** Bytes written between background syncs. */
    static final long WRITEBACK_BYTES = 8L << 20;
    private static final ExecutorService WRITEBACK = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "jumpgate-recording-sync");
        t.setDaemon(true);
        return t;
    });

    private final Path file;
    private final RandomAccessFile out;
    private boolean closed;
    /** Where the next line starts (kept here: asking the file costs a syscall per line). */
    private long position;
    /** {@link #position} when the last background sync was started. */
    private long syncedFrom;
    private Future<?> writeback = CompletableFuture.completedFuture(null);
    private volatile IOException writebackFailure;

    RecordingFileStream(Path file) throws IOException {
        this.file = file;
        // Created new (never over an existing file) and 0600 in one step, then opened for writing.
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        this.out = new RandomAccessFile(file.toFile(), "rw");
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b});
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        try {
            out.write(b, off, len);
            position += len;
            if (position - syncedFrom >= WRITEBACK_BYTES && writeback.isDone()) {
                long upTo = position;
                syncedFrom = upTo;
                writeback = WRITEBACK.submit(() -> syncInBackground(upTo));
            }
        } catch (IOException e) {
            try {
                out.setLength(position);
                out.seek(position);
            } catch (IOException ignored) {
                // the torn tail stays; players stop at the last complete line
            }
            throw e;
        }
    }

    private void syncInBackground(long upTo) {
        try {
            out.getFD().sync();
            PageCache.dropWrittenBack(file, upTo);
        } catch (IOException e) {
            if (writebackFailure == null) writebackFailure = e;
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        try {
            awaitWriteback();
            IOException failed = writebackFailure;
            if (failed != null) throw new IOException("cannot sync the recording: " + failed.getMessage(), failed);
            out.getFD().sync();
            PageCache.dropWrittenBack(file, position);
        } finally {
            out.close();
        }
    }

    /**
     * Waits for the background sync even when interrupted (it takes as long as the disk does): a recording is made
     * durable before its hash is audited, also when the session ends because its thread was interrupted.
     */
    private void awaitWriteback() throws IOException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    writeback.get();
                    return;
                } catch (ExecutionException e) {
                    throw new IOException("background sync failed", e.getCause());
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }
}
