package io.jumpgate.core.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Appends events as hash-chained JSON lines to one file. Each event is written with one {@code write} call
 * before {@link #emit} returns (so a killed process loses nothing it acknowledged), and forced to disk on
 * close. A restarted gateway continues the chain from the file's last line.
 */
public final class JsonLinesAuditLog implements AuditSink {
    private final Path file;
    private final FileChannel channel;
    private final boolean syncEachEvent;
    private long seq;
    private String prev;
    /** End of the file: where the next event goes (kept here, not asked of the channel, to save a syscall per event). */
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
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
        if (!existed) {
            trySetPermissions(file, "rw-------");
        }
        resume();
        end = channel.size();
    }

    private void resume() throws IOException {
        seq = 0;
        prev = HashChain.GENESIS;
        long size = channel.size();
        if (size == 0) {
            return;
        }
        // Read the tail to find the last complete line.
        int tail = (int) Math.min(size, 1 << 20);
        ByteBuffer buf = ByteBuffer.allocate(tail);
        channel.read(buf, size - tail);
        String text = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
        if (!text.endsWith("\n")) {
            // A torn last line (crash mid-write on a full disk): terminate it so the next event starts clean.
            // `audit verify` reports the torn line; nothing before it is touched.
            channel.write(ByteBuffer.wrap("\n".getBytes(StandardCharsets.UTF_8)), size);
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

    @Override
    public synchronized void emit(AuditEvent event) {
        if (closed) {
            throw new AuditWriteException("audit log " + file + " is closed", null);
        }
        StringBuilder unsigned = HashChain.start(seq + 1, prev);
        AuditJson.appendBody(unsigned, event);
        HashChain.Sealed line = HashChain.seal(unsigned);
        ByteBuffer bytes = ByteBuffer.wrap(line.bytes());
        long start = end;
        try {
            long at = start;
            while (bytes.hasRemaining()) {
                at += channel.write(bytes, at);
            }
            if (syncEachEvent) {
                channel.force(false);
            }
            end = at;
        } catch (IOException e) {
            // Do not leave a torn line behind: cut back to where this event started.
            try {
                channel.truncate(start);
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
            channel.force(true);
            channel.close();
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
