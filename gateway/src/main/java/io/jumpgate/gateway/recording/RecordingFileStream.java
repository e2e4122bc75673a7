package io.jumpgate.gateway.recording;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
    private final FileChannel channel;
    /** Where the next line starts (kept here: asking the channel costs a syscall per line). */
    private long position;
    /** {@link #position} when the last background sync was started. */
    private long syncedFrom;
    private Future<?> writeback = CompletableFuture.completedFuture(null);
    private volatile IOException writebackFailure;

    RecordingFileStream(Path file) throws IOException {
        this.file = file;
        this.channel = FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b});
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b, off, len);
        try {
            while (buf.hasRemaining()) channel.write(buf);
            position += len;
            if (position - syncedFrom >= WRITEBACK_BYTES && writeback.isDone()) {
                long upTo = position;
                syncedFrom = upTo;
                writeback = WRITEBACK.submit(() -> syncInBackground(upTo));
            }
        } catch (IOException e) {
            try {
                channel.truncate(position);
                channel.position(position);
            } catch (IOException ignored) {
                // the torn tail stays; players stop at the last complete line
            }
            throw e;
        }
    }

    private void syncInBackground(long upTo) {
        try {
            channel.force(false);
            PageCache.dropWrittenBack(file, upTo);
        } catch (IOException e) {
            if (writebackFailure == null) writebackFailure = e;
        }
    }

    @Override
    public void close() throws IOException {
        if (!channel.isOpen()) return;
        try {
            try {
                writeback.get();
            } catch (ExecutionException e) {
                throw new IOException("background sync failed", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while syncing the recording");
            }
            IOException failed = writebackFailure;
            if (failed != null) throw new IOException("cannot sync the recording: " + failed.getMessage(), failed);
            channel.force(true);
            PageCache.dropWrittenBack(file, position);
        } finally {
            channel.close();
        }
    }
}
