package io.jumpgate.gateway.recording;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Target output to the user, in a pipeline: the target connection's I/O thread copies and hands over without ever
 * waiting; a recording thread records what has arrived, as one batch, queues it to be shown and reports it passed on,
 * which reopens the target's SSH window; a sending thread shows recorded chunks to the user (encrypting for the
 * user's connection). Arrival order is kept (stdout and stderr share the pipeline), and the three stages run in
 * parallel.
 *
 * <p>Bounded by the target's window, not by blocking MINA: the target may only send as much as its channel window
 * allows, and {@link Session#passedOn} reopens the window only for output recorded and queued to be shown, a queue of
 * at most {@link #SHOW_QUEUE_CHUNKS} (the recording thread waits when it is full). So a session holds at most its
 * window plus that queue, and a user who stops reading holds back their own target and nothing else: MINA's I/O
 * threads, which all target connections share, never wait here. Writes that arrive while the recorder is busy are
 * appended to the last waiting chunk (up to {@link #CHUNK_BYTES}), so many tiny packets do not make many tiny chunks.
 *
 * <p>"Recorded before shown" holds: a chunk reaches the user only after the recording accepted it, and once a
 * recording write fails or the session is stopped nothing more is shown (what was recorded but not yet shown stays
 * in the recording only).
 */
final class OutputForwarder {
    /** Most bytes a waiting chunk grows to by appending later writes (one OpenSSH data packet). */
    static final int CHUNK_BYTES = 32 * 1024;
    /** Recorded chunks waiting to be shown, at most (then the recording thread waits for the sending thread). */
    static final int SHOW_QUEUE_CHUNKS = 16;

    /** What the forwarder needs from its session. */
    interface Session {
        /** Records terminal output chunks, in order; false when the session must end (required recording failed). */
        boolean record(List<byte[]> chunks);

        /** Called once, on this thread, when recording failed and the session must end. */
        void recordingFailed();

        /** {@code bytes} of target output were recorded and queued to be shown: the target may send that much more. */
        void passedOn(long bytes);

        /**
         * Called once, on the sending thread, when the user can no longer be written to: the session must end (its
         * target would otherwise wait forever for a window that no longer reopens).
         */
        void userUnreachable(IOException e);
    }

    /** Output for one user stream; grows while waiting for the recorder, fixed once taken. */
    private static final class Chunk {
        final OutputStream to;
        byte[] data;
        int len;

        Chunk(OutputStream to, byte[] b, int off, int n) {
            this.to = to;
            this.data = Arrays.copyOfRange(b, off, off + n);
            this.len = n;
        }

        void append(byte[] b, int off, int n) {
            if (len + n > data.length) data = Arrays.copyOf(data, Math.min(CHUNK_BYTES, Math.max(len + n, 2 * data.length)));
            System.arraycopy(b, off, data, len, n);
            len += n;
        }

        byte[] bytes() {
            if (data.length != len) data = Arrays.copyOf(data, len);
            return data;
        }
    }

    private final Session session;
    private final Object lock = new Object();
    /** Arrived, not yet taken by the recorder (guarded by {@link #lock}). */
    private ArrayList<Chunk> pending = new ArrayList<>();
    /** {@link #finish} was called (guarded by {@link #lock}). */
    private boolean ending;
    /** Recorded, waiting to be shown. */
    private final BlockingQueue<Chunk> recorded = new ArrayBlockingQueue<>(SHOW_QUEUE_CHUNKS);
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile IOException failure;
    private volatile boolean stopped;
    /** Queued by the recording thread last: the sending thread ends when it takes it. */
    private static final Chunk END = new Chunk(null, new byte[0], 0, 0);
    private volatile boolean showDone;
    private static final long POLL_MILLIS = 100;
    /** How long {@link #finish} still waits once the forwarder is stopped (for a write already under way). */
    static final long STOPPED_DRAIN_MILLIS = 1_000;

    OutputForwarder(Session session) {
        this.session = session;
    }

    /**
     * Takes a copy of the bytes, for {@code to}; never waits.
     *
     * @throws IOException when the user can no longer be written to (the target channel then closes)
     */
    void forward(OutputStream to, byte[] b, int off, int len) throws IOException {
        IOException f = failure;
        if (f != null) throw new IOException("output to the user failed", f);
        if (stopped || len == 0) return;
        synchronized (lock) {
            Chunk last = pending.isEmpty() ? null : pending.get(pending.size() - 1);
            if (last != null && last.to == to && last.len + len <= CHUNK_BYTES) {
                last.append(b, off, len);
            } else {
                pending.add(new Chunk(to, b, off, len));
                if (pending.size() == 1) lock.notifyAll(); // the recorder waits only while nothing is pending
            }
        }
    }

    /** Drops what is waiting and everything after (the session is ending from the gateway's side). */
    void stop() {
        stopped = true;
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    /**
     * Waits until everything handed over so far has been recorded and shown (or dropped after a failure or stop),
     * then ends the forwarding threads. Call once the target channel has closed, before exit status and recording hash.
     *
     * @return false if that did not happen within {@code timeoutMillis}, or within {@link #STOPPED_DRAIN_MILLIS} of
     *         the forwarder being stopped (its output is dropped; only a write already under way is waited for)
     */
    boolean finish(long timeoutMillis) {
        synchronized (lock) {
            ending = true;
            lock.notifyAll();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        long stoppedAt = 0;
        try {
            while (!done.await(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                long now = System.nanoTime();
                if (now - deadline > 0) return false;
                if (stopped) {
                    if (stoppedAt == 0) stoppedAt = now;
                    else if (now - stoppedAt > TimeUnit.MILLISECONDS.toNanos(STOPPED_DRAIN_MILLIS)) return false;
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Starts the two forwarding threads on {@code executor}: one records what has arrived, the other shows recorded
     * chunks to the user, so recording the next batch overlaps encrypting and sending this one.
     */
    void start(java.util.concurrent.Executor executor) {
        executor.execute(this::recordLoop);
        executor.execute(this::showLoop);
    }

    private void recordLoop() {
        List<byte[]> data = new ArrayList<>();
        try {
            while (true) {
                ArrayList<Chunk> batch;
                synchronized (lock) {
                    while (pending.isEmpty() && !ending && !stopped) lock.wait(); // each of those notifies
                    if (stopped || (pending.isEmpty() && ending)) {
                        pending.clear();
                        return;
                    }
                    // Everything that has arrived is recorded in one write (group commit), then shown.
                    batch = pending;
                    pending = new ArrayList<>();
                }
                if (failure != null) continue; // the user is gone: drop until the session ends
                data.clear();
                for (Chunk c : batch) data.add(c.bytes());
                boolean kept;
                try {
                    kept = session.record(data);
                } catch (RuntimeException e) { // never let it end this thread silently: the target would wait forever
                    kept = false;
                }
                if (kept) {
                    for (Chunk c : batch) {
                        recorded.put(c);
                        session.passedOn(c.len);
                    }
                } else {
                    stopped = true;
                    session.recordingFailed();
                }
            }
        } catch (InterruptedException e) {
            stopped = true;
            Thread.currentThread().interrupt();
        } finally {
            endShowing();
        }
    }

    /** Queues {@link #END} behind what is recorded; gives up if the sending thread has already ended. */
    private void endShowing() {
        boolean interrupted = Thread.interrupted();
        try {
            while (!showDone) {
                try {
                    if (recorded.offer(END, POLL_MILLIS, TimeUnit.MILLISECONDS)) return;
                } catch (InterruptedException e) {
                    interrupted = true;
                    stopped = true; // the sending thread drops what is left and takes END sooner
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    private void showLoop() {
        try {
            while (true) {
                Chunk c = recorded.take();
                if (c == END) return;
                if (stopped || failure != null) continue; // keep taking, so the recorder is released
                try {
                    c.to.write(c.data, 0, c.len);
                    c.to.flush();
                } catch (IOException e) {
                    failure = e;
                    session.userUnreachable(e);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            showDone = true;
            stopped = true;
            recorded.clear();
            synchronized (lock) {
                pending.clear();
                lock.notifyAll(); // a recorder still waiting sees stopped
            }
            done.countDown();
        }
    }
}
