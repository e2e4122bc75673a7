package io.jumpgate.gateway.recording;

import io.jumpgate.testkit.Poll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutputForwarderTest {
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    /** Records into a list, shown-order check included: what is shown must have been recorded first. */
    static class Log implements OutputForwarder.Session {
        final List<String> recorded = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger failAfter = new AtomicInteger(Integer.MAX_VALUE);
        final AtomicInteger failures = new AtomicInteger();

        @Override
        public boolean record(List<byte[]> chunks) {
            // All or nothing, like one write of a batch to the recording file.
            if (failAfter.addAndGet(-chunks.size()) < 0) return false;
            for (byte[] c : chunks) recorded.add(new String(c, StandardCharsets.UTF_8));
            return true;
        }

        @Override
        public void recordingFailed() {
            failures.incrementAndGet();
        }

        final AtomicLong passedOn = new AtomicLong();
        final AtomicInteger unreachable = new AtomicInteger();

        @Override
        public void passedOn(long bytes) {
            passedOn.addAndGet(bytes);
        }

        @Override
        public void userUnreachable(IOException e) {
            unreachable.incrementAndGet();
        }
    }

    /** The target side of a session: each write is one {@link OutputForwarder#forward} for {@code user}. */
    static OutputStream streamTo(OutputForwarder f, OutputStream user) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                f.forward(user, new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                f.forward(user, b, off, len);
            }
        };
    }

    /** Adjacent pieces with the same tag joined: writes the forwarder may have joined into one chunk. */
    static List<String> joined(List<String> tagged) {
        List<String> out = new ArrayList<>();
        for (String t : tagged) {
            int last = out.size() - 1;
            if (last >= 0 && out.get(last).startsWith(t.substring(0, 2))) out.set(last, out.get(last) + t.substring(2));
            else out.add(t);
        }
        return out;
    }

    /** A user stream that checks each chunk was recorded before it is shown. */
    static final class User extends ByteArrayOutputStream {
        final Log log;
        final String tag;
        final List<String> shown;

        User(Log log, String tag, List<String> shown) {
            this.log = log;
            this.tag = tag;
            this.shown = shown;
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            String s = new String(b, off, len, StandardCharsets.UTF_8);
            assertTrue(log.recorded.contains(s), "shown before recorded: " + s);
            shown.add(tag + s);
        }
    }

    @Test
    void keepsOrderAcrossStdoutAndStderrAndShowsOnlyRecordedOutput() throws Exception {
        Log log = new Log();
        List<String> shown = Collections.synchronizedList(new ArrayList<>());
        OutputForwarder f = new OutputForwarder(log);
        f.start(threads);
        OutputStream out = streamTo(f, new User(log, "o:", shown)), err = streamTo(f, new User(log, "e:", shown));
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            String s = "line " + i + "\n";
            (i % 3 == 0 ? err : out).write(s.getBytes(StandardCharsets.UTF_8));
            expected.add((i % 3 == 0 ? "e:" : "o:") + s);
        }
        assertTrue(f.finish(10_000), "drained");
        assertEquals(joined(expected), joined(shown));
        assertEquals(String.join("", log.recorded), String.join("", shown).replace("o:", "").replace("e:", ""));
        assertEquals(expected.stream().mapToInt(String::length).sum() - 2L * expected.size(), log.passedOn.get());
    }

    @Test
    void aFailedRequiredRecordingShowsNothingMoreAndEndsTheSessionOnce() throws Exception {
        Log log = new Log();
        List<String> shown = Collections.synchronizedList(new ArrayList<>());
        OutputForwarder f = new OutputForwarder(log);
        f.start(threads);
        OutputStream out = streamTo(f, new User(log, "", shown));
        out.write("first".getBytes(StandardCharsets.UTF_8));
        Poll.until(Duration.ofSeconds(10), "the first chunk shown", () -> shown.size() == 1);
        log.failAfter.set(0); // the disk fills up
        for (int i = 0; i < 10; i++) out.write(("chunk" + i).getBytes(StandardCharsets.UTF_8));
        assertTrue(f.finish(10_000));
        assertEquals(List.of("first"), shown, "nothing after the failed write is shown");
        assertEquals(List.of("first"), log.recorded);
        assertEquals(1, log.failures.get());
        assertEquals(5, log.passedOn.get(), "only what was recorded reopens the target's window");
    }

    /** A user stream that takes nothing until released (a full SSH window towards the user). */
    static OutputStream stuckUntil(CountDownLatch release, List<Integer> written, CountDownLatch entered) {
        return new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                written.add(len);
            }
        };
    }

    @Test
    void aUserWhoStopsReadingNeverBlocksTheTargetsIoThreadAndHoldsTheTargetBack() throws Exception {
        Log log = new Log();
        CountDownLatch release = new CountDownLatch(1);
        List<Integer> written = Collections.synchronizedList(new ArrayList<>());
        OutputForwarder f = new OutputForwarder(log);
        f.start(threads);
        OutputStream out = streamTo(f, stuckUntil(release, written, new CountDownLatch(1)));
        int chunks = 64; // 2 MiB: MINA's default channel window, all the target may send before passedOn
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            for (int i = 0; i < chunks; i++) out.write(new byte[OutputForwarder.CHUNK_BYTES]);
        }, "the target's I/O thread never waits for the user");
        // One chunk in the user's write, a full queue behind it; the rest waits unrecorded, its window closed.
        long queued = (OutputForwarder.SHOW_QUEUE_CHUNKS + 1L) * OutputForwarder.CHUNK_BYTES;
        Poll.until(Duration.ofSeconds(10), "the show queue full", () -> log.passedOn.get() == queued);
        assertEquals(0, written.size());
        release.countDown();
        // passedOn counts what is recorded and queued; the last chunks may still be on their way to the user.
        long total = (long) chunks * OutputForwarder.CHUNK_BYTES;
        Poll.until(Duration.ofSeconds(10), "everything shown", () -> {
            synchronized (written) {
                return written.stream().mapToLong(Integer::longValue).sum() == total;
            }
        });
        assertEquals(total, log.passedOn.get());
        assertTrue(f.finish(10_000));
    }

    @Test
    void manyTinyWritesWhileTheRecorderIsBusyBecomeFewChunks() throws Exception {
        CountDownLatch recorderFree = new CountDownLatch(1);
        List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
        OutputForwarder f = new OutputForwarder(new Log() {
            @Override
            public boolean record(List<byte[]> chunks) {
                try {
                    recorderFree.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                for (byte[] c : chunks) sizes.add(c.length);
                return true;
            }
        });
        f.start(threads);
        OutputStream out = streamTo(f, OutputStream.nullOutputStream());
        out.write('x'); // taken by the recorder, which then stays busy
        for (int i = 0; i < 100_000; i++) out.write('y'); // a target sending one-byte packets
        recorderFree.countDown();
        assertTrue(f.finish(10_000));
        assertEquals(100_001, sizes.stream().mapToInt(Integer::intValue).sum());
        assertTrue(sizes.size() <= 2 + 100_000 / OutputForwarder.CHUNK_BYTES, "chunks: " + sizes.size());
    }

    @Test
    void aSessionEndedWhileTheUserIsStuckLeavesNoThreadBehind() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        OutputForwarder f = new OutputForwarder(new Log());
        f.start(threads);
        CountDownLatch writing = new CountDownLatch(1);
        OutputStream out = streamTo(f, stuckUntil(release, Collections.synchronizedList(new ArrayList<>()), writing));
        for (int i = 0; i < 100; i++) out.write(new byte[1024]);
        assertTrue(writing.await(10, TimeUnit.SECONDS), "the sending thread is in the user's write");
        f.stop(); // the gateway ends the session: nothing more is shown
        out.write(new byte[1024]); // dropped, without waiting
        long t0 = System.nanoTime();
        assertFalse(f.finish(60_000), "the sending thread is still stuck in the user's write");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms < OutputForwarder.STOPPED_DRAIN_MILLIS + 2_000, "a stopped forwarder is not waited for long: " + ms + " ms");
        release.countDown();
        assertTrue(f.finish(10_000), "both forwarding threads end once the user's write returns");
    }

    @Test
    void aUserWhoIsGoneFailsTheTargetSideWriteAndEndsTheSession() throws Exception {
        Log log = new Log();
        OutputForwarder f = new OutputForwarder(log);
        f.start(threads);
        OutputStream out = streamTo(f, new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("channel closed");
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                throw new IOException("channel closed");
            }
        });
        out.write("first".getBytes(StandardCharsets.UTF_8));
        IOException e = Poll.value(Duration.ofSeconds(10), "write refused", () -> {
            try {
                out.write("more".getBytes(StandardCharsets.UTF_8));
                return null;
            } catch (IOException x) {
                return x;
            }
        });
        assertTrue(String.valueOf(e.getCause()).contains("channel closed"), String.valueOf(e));
        assertEquals(1, log.unreachable.get(), "the session is told to end: its target's window will not reopen");
        assertTrue(f.finish(10_000));
    }

    @Test
    void stopDropsWhatIsQueuedAndFinishReturnsPromptly() throws Exception {
        Log log = new Log();
        OutputForwarder f = new OutputForwarder(log);
        f.start(threads);
        f.stop();
        streamTo(f, OutputStream.nullOutputStream()).write("dropped".getBytes(StandardCharsets.UTF_8));
        assertTrue(f.finish(10_000));
        assertEquals(List.of(), log.recorded);
    }
}
