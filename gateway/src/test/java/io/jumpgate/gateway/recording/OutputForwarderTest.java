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
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutputForwarderTest {
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    /** Records into a list, shown-order check included: what is shown must have been recorded first. */
    static final class Log implements OutputForwarder.Session {
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
        OutputStream out = f.streamTo(new User(log, "o:", shown)), err = f.streamTo(new User(log, "e:", shown));
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            String s = "line " + i + "\n";
            (i % 3 == 0 ? err : out).write(s.getBytes(StandardCharsets.UTF_8));
            expected.add((i % 3 == 0 ? "e:" : "o:") + s);
        }
        assertTrue(f.finish(10_000), "drained");
        assertEquals(expected, shown);
        assertEquals(500, log.recorded.size());
    }

    @Test
    void aFailedRequiredRecordingShowsNothingMoreAndEndsTheSessionOnce() throws Exception {
        Log log = new Log();
        log.failAfter.set(3);
        List<String> shown = Collections.synchronizedList(new ArrayList<>());
        OutputForwarder f = new OutputForwarder(log);
        f.start(threads);
        OutputStream out = f.streamTo(new User(log, "", shown));
        for (int i = 0; i < 10; i++) out.write(("chunk" + i).getBytes(StandardCharsets.UTF_8));
        assertTrue(f.finish(10_000));
        // Batching decides how many of the first three were recorded, and the session ends as soon as a write
        // fails (what was recorded but not yet shown stays unshown); never anything after the failed write.
        assertTrue(log.recorded.size() <= 3, String.valueOf(log.recorded));
        assertEquals(log.recorded.subList(0, shown.size()), shown, "shown: recorded ones, in order, nothing else");
        assertEquals(1, log.failures.get());
    }

    @Test
    void aUserWhoStopsReadingHoldsTheTargetBackWithABoundedQueue() throws Exception {
        Log log = new Log();
        CountDownLatch release = new CountDownLatch(1);
        OutputStream stuck = new OutputStream() {
            @Override
            public void write(int b) {
            }

            @Override
            public void write(byte[] b, int off, int len) {
                try {
                    release.await(); // like a full SSH window
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        OutputForwarder f = new OutputForwarder(log);
        f.start(threads);
        OutputStream out = f.streamTo(stuck);
        AtomicLong queued = new AtomicLong();
        Thread producer = new Thread(() -> {
            try {
                for (int i = 0; i < 1000; i++) {
                    out.write(new byte[32 * 1024]);
                    queued.incrementAndGet();
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        producer.setDaemon(true);
        producer.start();
        Poll.until(Duration.ofSeconds(10), "producer blocked", () -> producer.getState() == Thread.State.TIMED_WAITING
                && queued.get() > 0);
        long held = queued.get();
        assertTrue(held <= OutputForwarder.MAX_HELD, "chunks accepted while the user reads nothing: " + held);
        release.countDown();
        producer.join(TimeUnit.SECONDS.toMillis(20));
        assertEquals(1000, queued.get());
        assertTrue(f.finish(10_000));
    }

    @Test
    void aSessionEndedWhileTheUserIsStuckLeavesNoThreadBehind() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        OutputForwarder f = new OutputForwarder(new Log());
        f.start(threads);
        OutputStream out = f.streamTo(new OutputStream() {
            @Override
            public void write(int b) {
            }

            @Override
            public void write(byte[] b, int off, int len) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        Thread producer = new Thread(() -> {
            try {
                for (int i = 0; i < OutputForwarder.MAX_HELD + 10; i++) out.write(new byte[1024]);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        producer.setDaemon(true);
        producer.start();
        Poll.until(Duration.ofSeconds(10), "producer blocked", () -> producer.getState() == Thread.State.TIMED_WAITING);
        f.stop(); // the gateway ends the session: nothing more is shown
        producer.join(10_000);
        assertTrue(!producer.isAlive(), "a stopped forwarder releases the target's I/O thread");
        f.finish(200); // may time out: the sending thread is still stuck in the user's write
        release.countDown();
        assertTrue(f.finish(10_000), "both forwarding threads end once the user's write returns");
    }

    @Test
    void aUserWhoIsGoneFailsTheTargetSideWrite() throws Exception {
        OutputForwarder f = new OutputForwarder(new Log());
        f.start(threads);
        OutputStream out = f.streamTo(new OutputStream() {
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
        assertTrue(f.finish(10_000));
    }

    @Test
    void stopDropsWhatIsQueuedAndFinishReturnsPromptly() throws Exception {
        Log log = new Log();
        OutputForwarder f = new OutputForwarder(log);
        f.start(threads);
        f.stop();
        f.streamTo(OutputStream.nullOutputStream()).write("dropped".getBytes(StandardCharsets.UTF_8));
        assertTrue(f.finish(10_000));
        assertEquals(List.of(), log.recorded);
    }
}
