package io.jumpgate.gateway.recording;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.jumpgate.testkit.Poll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * Write-behind and drop-behind of recording files, on the real file system: what was written is all there after
 * close, and synced pages do not stay in the page cache (page residency read with {@code mincore} on a mapping,
 * which does not fault pages in).
 */
class RecordingFileStreamTest {
    private static final int MIB = 1 << 20;
    private Path dir;

    @BeforeEach
    void dir() throws IOException {
        // Under target/, on the disk the build runs on (the system temp dir may be tmpfs, whose pages never drop).
        Files.createDirectories(Path.of("target"));
        dir = Files.createTempDirectory(Path.of("target"), "recording-file-");
    }

    private void assumeDiskFileSystem() throws IOException {
        String type = Files.getFileStore(dir).type();
        assumeFalse(type.equals("tmpfs") || type.equals("ramfs"), "page cache drop-behind needs a disk file system, not " + type);
    }

    @AfterEach
    void clean() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    @Test
    void everythingWrittenIsThereAndNoneOfItStaysCached() throws Exception {
        assumeDiskFileSystem();
        assertTrue(PageCache.available(), "posix_fadvise through JNA on Linux");
        Path file = dir.resolve("a.cast");
        MessageDigest expected = MessageDigest.getInstance("SHA-256");
        int lines = 48;
        try (RecordingFileStream out = new RecordingFileStream(file)) {
            for (int i = 0; i < lines; i++) {
                byte[] line = line(i, MIB);
                out.write(line, 0, line.length);
                expected.update(line);
            }
        }
        assertEquals((long) lines * MIB, Files.size(file));
        int cached = cachedMiB(file);
        System.out.printf("recording file: %d MiB written, %d MiB of it still in the page cache after close%n", lines, cached);
        assertTrue(cached <= 2, cached + " MiB of a closed 48 MiB recording still cached");
        assertEquals(HexFormat.of().formatHex(expected.digest()), sha256(file));
    }

    @Test
    void syncedPagesAreDroppedWhileTheRecordingGoesOn() throws Exception {
        assumeDiskFileSystem();
        Path file = dir.resolve("b.cast");
        try (RecordingFileStream out = new RecordingFileStream(file)) {
            for (int i = 0; i < 3 * RecordingFileStream.WRITEBACK_BYTES / MIB; i++) {
                byte[] line = line(i, MIB);
                out.write(line, 0, line.length);
            }
            // The first background sync covers the first WRITEBACK_BYTES: its pages go while the file is open.
            int synced = (int) (RecordingFileStream.WRITEBACK_BYTES / MIB);
            Poll.until(Duration.ofSeconds(10), "the first synced part dropped from the page cache while the file is open",
                    () -> cachedMiB(file, synced) == 0);
            byte[] last = line(99, 100);
            out.write(last, 0, last.length);
        }
        byte[] all = Files.readAllBytes(file);
        assertEquals(3 * RecordingFileStream.WRITEBACK_BYTES + 100, all.length);
        assertArrayEquals(line(99, 100), Arrays.copyOfRange(all, all.length - 100, all.length));
    }

    /**
     * A stop whose drain timed out interrupts the session threads, possibly in the middle of writing a line. The
     * interrupt must not cost the line: the file ends up holding exactly what the writer hashed (a file channel was
     * closed by the interrupt after the bytes were in the file, so the audited hash left out a line the file held).
     */
    @Test
    void anInterruptDuringAWriteLeavesTheFileMatchingTheWritersHash() throws Exception {
        byte[] chunk = new byte[16 * MIB];
        Arrays.fill(chunk, (byte) 'x');
        long deadline = System.nanoTime() + 30_000_000_000L;
        for (int attempt = 0; attempt < 5 && System.nanoTime() < deadline; attempt++) {
            Path file = dir.resolve("i" + attempt + ".cast");
            AsciicastWriter w = new AsciicastWriter(new RecordingFileStream(file), new AtomicLong()::get);
            w.header(new AsciicastHeader(80, 24, Instant.EPOCH, Map.of(), Map.of()));
            long headerBytes = w.bytes();
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try {
                    for (int i = 0; i < 8 && !Thread.currentThread().isInterrupted(); i++) w.output(chunk, 0, chunk.length);
                } catch (Throwable e) {
                    thrown.set(e);
                }
            });
            t.start();
            // Interrupt while a line is being written (the file is growing past the header).
            long spin = System.nanoTime() + 5_000_000_000L;
            while (Files.size(file) <= headerBytes && System.nanoTime() < spin) Thread.onSpinWait();
            t.interrupt();
            t.join(30_000);
            assertFalse(t.isAlive(), "the writer finished");
            assertNull(thrown.get(), "an interrupt does not fail the recording");
            Thread.currentThread().interrupt(); // closing from an interrupted thread still syncs and closes
            try {
                w.close();
            } finally {
                assertTrue(Thread.interrupted(), "the interrupt is kept for the caller");
            }
            assertEquals(w.bytes(), Files.size(file), "attempt " + attempt + ": the file holds what the hash covers");
            assertEquals(w.sha256(), sha256(file));
            Files.delete(file);
        }
    }

    /** {@code n} bytes of printable text ending in a newline, different for each {@code i}. */
    private static byte[] line(int i, int n) {
        byte[] b = new byte[n];
        for (int k = 0; k < n - 1; k++) b[k] = (byte) ('a' + (i + k) % 26);
        b[n - 1] = '\n';
        return b;
    }

    private static int cachedMiB(Path file) throws IOException {
        return cachedMiB(file, (int) (Files.size(file) / MIB));
    }

    /** The libc calls that tell which pages of a file are in the page cache. */
    interface Mincore extends Library {
        Mincore C = Native.load("c", Mincore.class);

        int open(String path, int flags);

        Pointer mmap(Pointer addr, long length, int prot, int flags, int fd, long offset);

        int mincore(Pointer addr, long length, byte[] vec);

        int munmap(Pointer addr, long length);

        int close(int fd);
    }

    /** How many of the first {@code mib} MiB of {@code file} have at least one page in the page cache. */
    private static int cachedMiB(Path file, int mib) {
        long len = (long) mib * MIB;
        if (len == 0) return 0;
        int fd = Mincore.C.open(file.toString(), 0);
        assertTrue(fd >= 0, "open " + file);
        try {
            Pointer map = Mincore.C.mmap(null, len, 1 /* PROT_READ */, 1 /* MAP_SHARED */, fd, 0);
            assertTrue(Pointer.nativeValue(map) != -1, "mmap " + file);
            try {
                byte[] pages = new byte[(int) (len / 4096)];
                assertEquals(0, Mincore.C.mincore(map, len, pages), "mincore");
                int cached = 0;
                for (int m = 0; m < mib; m++) {
                    for (int p = m * (MIB / 4096); p < (m + 1) * (MIB / 4096); p++) {
                        if ((pages[p] & 1) != 0) {
                            cached++;
                            break;
                        }
                    }
                }
                return cached;
            } finally {
                Mincore.C.munmap(map, len);
            }
        } finally {
            Mincore.C.close(fd);
        }
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) d.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(d.digest());
    }
}
