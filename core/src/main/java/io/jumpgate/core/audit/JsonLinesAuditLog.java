package io.jumpgate.core.audit;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Appends events as hash-chained JSON lines to one file. Each event is written with one {@code write} call
 * before {@link #emit} returns (so a killed process loses nothing it acknowledged), and forced to disk on
 * close. A restarted gateway continues the chain from the file's last line.
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
        this.file = file;
        this.syncEachEvent = syncEachEvent;
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            trySetPermissions(dir, "rwx------");
        }
        boolean existed = Files.exists(file);
        this.out = new RandomAccessFile(file.toFile(), "rw");
        if (!existed) {
            trySetPermissions(file, "rw-------");
        }
        resume();
        end = out.length();
        out.seek(end);
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
        String text = new String(buf, StandardCharsets.UTF_8);
        if (!text.endsWith("\n")) {
            // A torn last line (crash mid-write on a full disk): terminate it so the next event starts clean.
            // `audit verify` reports the torn line; nothing before it is touched.
            out.seek(size);
            out.write('\n');
            text = text + "\n";
        }
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
