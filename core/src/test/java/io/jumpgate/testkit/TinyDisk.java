package io.jumpgate.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A real, tiny file system (tmpfs of a few KiB, mounted as root) for "disk full" tests. */
public final class TinyDisk implements AutoCloseable {
    private final Path mountPoint;

    private TinyDisk(Path mountPoint) {
        this.mountPoint = mountPoint;
    }

    /** Mounts a tmpfs of {@code kib} KiB under {@code parent}; skips (or fails when peers are required) if it cannot. */
    public static TinyDisk mount(Path parent, int kib) throws IOException, InterruptedException {
        Path mp = Files.createDirectories(parent.resolve("tinydisk"));
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + kib + "k,mode=0755", "tmpfs", mp.toString())
                .redirectErrorStream(true).start();
        boolean done = p.waitFor(10, TimeUnit.SECONDS);
        String out = new String(p.getInputStream().readAllBytes());
        Peers.require(done && p.exitValue() == 0, "a mountable tmpfs (run tests as root): " + out.trim());
        return new TinyDisk(mp);
    }

    public Path path() {
        return mountPoint;
    }

    /** Fills the file system to the last byte. */
    public void fill() throws IOException {
        byte[] chunk = new byte[512];
        try (var out = Files.newOutputStream(mountPoint.resolve("filler"), java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND)) {
            for (int i = 0; i < 1_000_000; i++) {
                out.write(chunk);
                out.flush();
            }
        } catch (IOException expected) {
            // the disk is full
        }
        try (var out = Files.newOutputStream(mountPoint.resolve("filler2"))) {
            for (int i = 0; i < 4096; i++) {
                out.write(0);
                out.flush();
            }
        } catch (IOException expected) {
            // the last bytes are taken
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("umount", "-l", mountPoint.toString()).redirectErrorStream(true).start();
        p.waitFor(10, TimeUnit.SECONDS);
    }
}
