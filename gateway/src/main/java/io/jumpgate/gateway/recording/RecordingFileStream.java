package io.jumpgate.gateway.recording;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A new recording file (created 0600, never overwriting) where each {@code write} is all or nothing: when
 * the disk fills up part-way through a line, the file is cut back to where the line started, so what was
 * written before stays a complete, playable asciicast.
 */
final class RecordingFileStream extends OutputStream {
    private final FileChannel channel;
    /** Where the next line starts (kept here: asking the channel costs a syscall per line). */
    private long position;

    RecordingFileStream(Path file) throws IOException {
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

    @Override
    public void close() throws IOException {
        if (!channel.isOpen()) return;
        try {
            channel.force(true);
        } finally {
            channel.close();
        }
    }
}
