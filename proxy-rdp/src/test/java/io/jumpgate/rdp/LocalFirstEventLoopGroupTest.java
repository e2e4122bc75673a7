package io.jumpgate.rdp;

import io.netty.channel.EventLoop;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.EventExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

class LocalFirstEventLoopGroupTest {
    private final LocalFirstEventLoopGroup group = new LocalFirstEventLoopGroup(2, NioIoHandler.newFactory(), 2);
    private final List<NioSocketChannel> channels = new ArrayList<>();

    @AfterEach
    void close() {
        channels.forEach(c -> c.close().syncUninterruptibly());
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void callersOutsideTheGroupGoRoundRobin() {
        Set<EventExecutor> seen = new HashSet<>();
        for (int i = 0; i < 4; i++) seen.add(group.next());
        assertEquals(2, seen.size());
    }

    @Test
    void aLoopKeepsWhatItAcceptsUntilItIsBusierThanTheSlack() throws Exception {
        EventLoop first = group.next();
        assertSame(first, first.submit(group::next).get(), "balanced: stays on the accepting loop");
        register(first, 3); // 3 more than the other loop: beyond the slack of 2
        EventExecutor chosen = first.submit(group::next).get();
        assertNotSame(first, chosen, "busier than the slack: goes to the least busy loop");
        register((EventLoop) chosen, 2); // now 3 vs 2: within the slack again
        assertSame(first, first.submit(group::next).get());
    }

    private void register(EventLoop loop, int n) {
        for (int i = 0; i < n; i++) {
            NioSocketChannel c = new NioSocketChannel();
            channels.add(c);
            loop.register(c).syncUninterruptibly();
        }
    }
}
