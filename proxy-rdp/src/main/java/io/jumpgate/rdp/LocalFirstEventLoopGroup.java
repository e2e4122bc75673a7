package io.jumpgate.rdp;

import io.netty.channel.IoEventLoop;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SingleThreadIoEventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorChooserFactory;

import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Event loops whose {@link #next()} prefers the calling loop: a connection accepted by a loop stays on it (no
 * hand-off to another thread before its first byte is relayed; its target connection then shares that loop too)
 * unless that loop holds more than {@code slack} channels more than the least busy loop, which then gets it.
 * Callers outside the group (binding listeners) go round-robin.
 */
final class LocalFirstEventLoopGroup extends MultiThreadIoEventLoopGroup {
    LocalFirstEventLoopGroup(int threads, IoHandlerFactory ioHandlerFactory, int slack) {
        super(threads, (Executor) null, ioHandlerFactory, chooser(slack));
    }

    @Override
    protected IoEventLoop newChild(Executor executor, IoHandlerFactory ioHandlerFactory, Object... args) {
        return new CountedLoop(this, executor, ioHandlerFactory);
    }

    /** A loop that tells how many channels it holds. */
    private static final class CountedLoop extends SingleThreadIoEventLoop {
        CountedLoop(IoEventLoopGroup parent, Executor executor, IoHandlerFactory ioHandlerFactory) {
            super(parent, executor, ioHandlerFactory);
        }

        int channels() {
            return getNumOfRegisteredChannels();
        }
    }

    private static EventExecutorChooserFactory chooser(int slack) {
        return loops -> {
            AtomicInteger next = new AtomicInteger();
            return () -> {
                EventExecutor local = null;
                EventExecutor least = null;
                int leastCount = Integer.MAX_VALUE;
                for (EventExecutor l : loops) {
                    if (l.inEventLoop()) local = l;
                    int n = ((CountedLoop) l).channels();
                    if (n < leastCount) {
                        least = l;
                        leastCount = n;
                    }
                }
                if (local == null) return loops[Math.floorMod(next.getAndIncrement(), loops.length)];
                return ((CountedLoop) local).channels() - leastCount > slack ? least : local;
            };
        };
    }
}
