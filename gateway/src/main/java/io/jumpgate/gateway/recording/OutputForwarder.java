package io.jumpgate.gateway.recording;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Target output to the user, in a pipeline: the session's output pumps (threads reading the target channel's stdout
 * and stderr pipes) copy and queue; a recording thread records each chunk; a sending thread shows recorded chunks to
 * the user (encrypting for the user's connection). Queue order is kept (stdout and stderr share the queues), and the
 * three stages run in parallel instead of one after the other.
 *
 * <p>Bounded: at most {@link #MAX_HELD} chunks are held (up to 32 KiB each: about 1.5 MiB); when the queues are full
 * a pump blocks in {@link #forward}, stops reading its pipe, so the target's SSH window is not replenished and the
 * target is held back. Pumps are the session's own threads, never MINA's I/O threads (see
 * {@link RecordedSession}).
 *
 * <p>"Recorded before shown" holds: a chunk reaches the user only after the recording accepted it, and once a
 * recording write fails or the session is stopped nothing more is shown (what was recorded but not yet shown stays
 * in the recording only).
 */
final class OutputForwarder {
    /** Capacity of each of the two queues. */
    static final int QUEUE_CHUNKS = 16;
    /** Most chunks held at once: both queues full, one batch in the recorder's hands, one being shown. */
    static final int MAX_HELD = 3 * QUEUE_CHUNKS + 1;

    /** What the forwarder needs from its session. */
    interface Session {
        /** Records terminal output chunks, in order; false when the session must end (required recording failed). */
        boolean record(List<byte[]> chunks);

        /** Called once, on this thread, when recording failed and the session must end. */
        void recordingFailed();
    }

    private record Chunk(OutputStream to, byte[] data) {}

    private static final Chunk END = new Chunk(null, null);

    private final Session session;
    private final BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(QUEUE_CHUNKS);
    /** Recorded, waiting to be shown. */
    private final BlockingQueue<Chunk> recorded = new ArrayBlockingQueue<>(QUEUE_CHUNKS);
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile IOException failure;
    private volatile boolean stopped;
    private volatile boolean recorderDone;
    private static final long POLL_MILLIS = 100;
    private static final long GATHER_MICROS = 300;

    OutputForwarder(Session session) {
        this.session = session;
    }

    /** A stream for the target channel's stdout or stderr whose bytes go to {@code user} through this forwarder. */
    OutputStream streamTo(OutputStream user) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                forward(user, new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                forward(user, b, off, len);
            }

            @Override
            public void close() {
                // the user's streams close with the server channel
            }
        };
    }

    /**
     * Queues a copy of the bytes; blocks while the queue is full.
     *
     * @throws IOException when the user can no longer be written to (the caller then closes the target channel)
     */
    void forward(OutputStream to, byte[] b, int off, int len) throws IOException {
        IOException f = failure;
        if (f != null) throw new IOException("output to the user failed", f);
        if (stopped || len == 0) return;
        Chunk c = new Chunk(to, Arrays.copyOfRange(b, off, off + len));
        try {
            while (!queue.offer(c, POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                if (stopped) return; // the forwarding thread is gone or dropping: nobody will take it
                f = failure;
                if (f != null) throw new IOException("output to the user failed", f);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while forwarding output");
        }
    }

    /** Drops what is queued and everything after (the session is ending from the gateway's side). */
    void stop() {
        stopped = true;
    }

    /**
     * Waits until everything queued so far has been recorded and shown (or dropped after a failure or stop), then ends
     * the forwarding thread. Call once the target channel has closed, before exit status and recording hash.
     *
     * @return false if the thread did not finish within {@code timeoutMillis}
     */
    boolean finish(long timeoutMillis) {
        try {
            if (!queue.offer(END, timeoutMillis, TimeUnit.MILLISECONDS)) return false;
            return done.await(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Starts the two forwarding threads on {@code executor}: one records each chunk, the other shows recorded chunks to
     * the user, so recording chunk N+1 overlaps encrypting and sending chunk N.
     */
    void start(java.util.concurrent.Executor executor) {
        executor.execute(this::recordLoop);
        executor.execute(this::showLoop);
    }

    private void recordLoop() {
        List<Chunk> batch = new ArrayList<>(QUEUE_CHUNKS);
        List<byte[]> data = new ArrayList<>(QUEUE_CHUNKS);
        try {
            while (true) {
                Chunk first = queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (stopped) return; // finish() could not queue END (nothing drains a stopped session's queue)
                    continue;
                }
                // Everything already waiting is recorded in one write (group commit), then shown.
                batch.clear();
                batch.add(first);
                queue.drainTo(batch);
                if (batch.size() > 1 && batch.size() < QUEUE_CHUNKS && batch.get(batch.size() - 1) != END) {
                    // Bulk output (the producer is ahead): gather a little more, so fewer and larger writes.
                    Chunk more = queue.poll(GATHER_MICROS, TimeUnit.MICROSECONDS);
                    if (more != null) {
                        batch.add(more);
                        queue.drainTo(batch);
                    }
                }
                int end = batch.indexOf(END);
                if (end >= 0) batch.subList(end, batch.size()).clear();
                if (!batch.isEmpty() && !stopped && failure == null) {
                    data.clear();
                    for (Chunk c : batch) data.add(c.data);
                    if (session.record(data)) {
                        for (Chunk c : batch) recorded.put(c);
                    } else {
                        stopped = true;
                        session.recordingFailed();
                    }
                }
                if (end >= 0) return;
            }
        } catch (InterruptedException e) {
            stopped = true;
            Thread.currentThread().interrupt();
        } finally {
            recorderDone = true;
        }
    }

    private void showLoop() {
        try {
            while (true) {
                Chunk c = recorded.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (c == null) {
                    if (recorderDone && recorded.isEmpty()) return;
                    continue;
                }
                if (stopped || failure != null) continue; // keep taking, so the recorder is released
                try {
                    c.to.write(c.data);
                    c.to.flush();
                } catch (IOException e) {
                    failure = e;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            stopped = true;
            queue.clear();
            recorded.clear();
            done.countDown();
        }
    }
}
