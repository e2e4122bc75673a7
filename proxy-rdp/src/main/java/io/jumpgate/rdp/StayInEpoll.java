package io.jumpgate.rdp;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.util.concurrent.ThreadAwareExecutor;

/**
 * Works around a Netty 4.2.18 epoll bug that breaks half-closed relays. When a socket that is in epoll comes to
 * want no events (its input has ended, no read is asked for, no write is waiting: a relay side that sent its FIN),
 * Netty deletes it from epoll but still believes it is there, so the next interest change ({@code EPOLLOUT}, when a
 * write toward that side has to wait for room) is an {@code EPOLL_CTL_MOD} that fails with {@code ENOENT}; Netty
 * then shuts the socket's output and the relay ends as a write failure after a few MiB (found by review).
 *
 * <p>Here a registration that was added keeps an edge-triggered, empty interest set instead of being deleted:
 * nothing wakes the loop for it (a hang-up or error is reported once, on its edge), and the next interest change is
 * a modification of a registration that exists. Registrations not yet added (sockets still connecting) are left to
 * Netty, which adds them once they have something to wait for.
 */
final class StayInEpoll implements IoHandlerFactory {
    private final IoHandlerFactory epoll;

    StayInEpoll(IoHandlerFactory epoll) {
        this.epoll = epoll;
    }

    @Override
    public IoHandler newHandler(ThreadAwareExecutor executor) {
        IoHandler handler = epoll.newHandler(executor);
        return new IoHandler() {
            @Override
            public void initialize() {
                handler.initialize();
            }

            @Override
            public int run(IoHandlerContext context) {
                return handler.run(context);
            }

            @Override
            public void prepareToDestroy() {
                handler.prepareToDestroy();
            }

            @Override
            public void destroy() {
                handler.destroy();
            }

            @Override
            public IoRegistration register(IoHandle handle) throws Exception {
                return new Registration(handler.register(handle));
            }

            @Override
            public void wakeup() {
                handler.wakeup();
            }

            @Override
            public boolean isCompatible(Class<? extends IoHandle> handleType) {
                return handler.isCompatible(handleType);
            }
        };
    }

    @Override
    public boolean isChangingThreadSupported() {
        return epoll.isChangingThreadSupported();
    }

    /** Interest changes of one socket; only ever used from its event loop. */
    static final class Registration implements IoRegistration {
        private final IoRegistration registration;
        /** Some interest was submitted, so Netty has added the socket to epoll. */
        private boolean added;

        Registration(IoRegistration registration) {
            this.registration = registration;
        }

        @Override
        public <T> T attachment() {
            return registration.attachment();
        }

        @Override
        public long submit(IoOps ops) {
            if (ops instanceof EpollIoOps e && e.value() == EpollIoOps.NONE.value()) {
                return added ? registration.submit(EpollIoOps.EPOLLET) : registration.submit(ops);
            }
            long result = registration.submit(ops);
            if (result != -1) added = true; // -1: the registration was cancelled
            return result;
        }

        @Override
        public boolean isValid() {
            return registration.isValid();
        }

        @Override
        public boolean cancel() {
            return registration.cancel();
        }
    }
}
