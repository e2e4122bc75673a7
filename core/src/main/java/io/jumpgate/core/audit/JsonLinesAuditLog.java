package io.jumpgate.core.audit;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

/**
 * Appends events as hash-chained JSON lines to one file. Each event is written with one {@code write} call
 * before {@link #emit} returns (so a killed process loses nothing it acknowledged), and forced to disk on
 * close. A restarted gateway continues the chain from the file's last line.
 *
 * <p>One writer per file: the file holds an OS lock ({@code fcntl}, across processes) while open, so a second gateway on
 * the same data directory, or two operator commands at once, cannot write over each other's lines.
 *
 * <p>Written through a {@link RandomAccessFile}, not a {@code FileChannel}: an NIO file channel is closed for every
 * thread when one thread is interrupted while using it, which would end the security record (and, since the gateway
 * fails closed, all access) because some caller was interrupted.
 */
public final class JsonLinesAuditLog implements AuditSink {
    private final Path file;
    /** Positioned at {@link #end} between events. */
    private final RandomAccessFile out;
    private final boolean syncEachEvent;
    private long seq;
    private String prev;
    /** End of the file: where the next event goes (kept here, not asked of the file, to save a syscall per event). */
    private long end;
    private boolean closed;

    public JsonLinesAuditLog(Path file, boolean syncEachEvent) throws IOException {
        this(file, syncEachEvent, Duration.ZERO);
    }

    /**
     * @param waitForLock how long to wait for another writer to close the file (zero: fail at once, as a gateway does;
     *                    a short operator command can wait for another one to finish)
     * @throws IOException also when another process (or another open log in this one) writes the file
     */
    public JsonLinesAuditLog(Path file, boolean syncEachEvent, Duration waitForLock) throws IOException {
        this.file = file;
        this.syncEachEvent = syncEachEvent;
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            trySetPermissions(dir, "rwx------");
        }
        boolean existed = Files.exists(file);
        this.out = new RandomAccessFile(file.toFile(), "rw");
        try {
            if (!existed) {
                trySetPermissions(file, "rw-------");
            }
            lock(waitForLock);
            resume();
        } catch (IOException | RuntimeException e) {
            out.close();
            throw e;
        }
        end = out.length();
        out.seek(end);
    }

    /** Takes the writer's lock (held until close), waiting up to {@code wait} for another writer. */
    private void lock(Duration wait) throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        for (int attempt = 0; ; attempt++) {
            FileLock l;
            try {
                l = out.getChannel().tryLock();
            } catch (OverlappingFileLockException e) {
                l = null; // this process already writes the file
            }
            if (l != null) return;
            if (System.nanoTime() - deadline >= 0 || attempt >= 10_000) {
                throw new IOException("audit log " + file + " is being written by another process (is another gateway "
                        + "running on the same data directory?)");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while waiting for the audit log " + file);
            }
        }
    }

    private void resume() throws IOException {
        seq = 0;
        prev = HashChain.GENESIS;
        long size = out.length();
        if (size == 0) {
            return;
        }
        // Read the tail to find the last complete line.
        int tail = (int) Math.min(size, 1 << 20);
        byte[] buf = new byte[tail];
        out.seek(size - tail);
        out.readFully(buf);
        if (buf[tail - 1] != '\n') {
            // A torn last line (a crash mid-write): it is no record, and left in place it would stop `audit verify` at
            // it for good, so nothing written after the crash could be verified. It is kept, byte for byte, in a file of
            // its own beside the log, and the log is cut back to its last complete line, where the chain goes on.
            int cut = tail;
            while (cut > 0 && buf[cut - 1] != '\n') cut--;
            if (cut == 0 && size > tail) {
                // No line break in the last MiB: not a torn line of ours; terminate it and leave it for verify to report.
                out.seek(size);
                out.write('\n');
                buf = java.util.Arrays.copyOf(buf, tail + 1);
                buf[tail] = '\n';
            } else {
                long keep = size - (tail - cut);
                Path aside = file.resolveSibling(file.getFileName() + ".torn-" + keep);
                Files.write(aside, java.util.Arrays.copyOfRange(buf, cut, tail), StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
                trySetPermissions(aside, "rw-------");
                out.setLength(keep);
                out.getFD().sync();
                buf = java.util.Arrays.copyOf(buf, cut);
            }
        }
        String text = new String(buf, StandardCharsets.UTF_8);
        String[] lines = text.split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            HashChain.Line l = HashChain.parse(lines[i]);
            if (l != null) {
                seq = l.seq();
                prev = l.hash();
                return;
            }
        }
    }

    public Path file() {
        return file;
    }

    /** The last line written (or found on opening): its seq and hash; null while the log is empty. */
    public synchronized AuditVerifier.Anchor head() {
        return seq == 0 ? null : new AuditVerifier.Anchor(seq, prev);
    }

    @Override
    public synchronized void emit(AuditEvent event) {
        if (closed) {
            throw new AuditWriteException("audit log " + file + " is closed", null);
        }
        StringBuilder unsigned = HashChain.start(seq + 1, prev);
        AuditJson.appendBody(unsigned, event);
        HashChain.Sealed line = HashChain.seal(unsigned);
        byte[] bytes = line.bytes();
        long start = end;
        try {
            out.write(bytes);
            if (syncEachEvent) {
                out.getFD().sync();
            }
            end = start + bytes.length;
        } catch (IOException e) {
            // Do not leave a torn line behind: cut back to where this event started.
            try {
                out.seek(start); // the next event overwrites what this one left
                out.setLength(start);
            } catch (IOException ignored) {
                // the next resume() terminates a torn line
            }
            throw new AuditWriteException("cannot write audit log " + file + ": " + e.getMessage(), e);
        }
        seq++;
        prev = line.hash();
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            out.getFD().sync();
            out.close();
        } catch (IOException e) {
            throw new AuditWriteException("cannot close audit log " + file + ": " + e.getMessage(), e);
        }
    }

    private static void trySetPermissions(Path p, String perms) {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        } catch (UnsupportedOperationException | IOException ignored) {
            // not a POSIX file system
        }
    }

}
