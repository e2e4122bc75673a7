package io.jumpgate.gateway;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LiveConnectionsTest {
    private final LiveConnections live = new LiveConnections();

    @Test
    void aConnectionRegisteredWhileItsGrantHoldsIsCutOnceWhenTheGrantEnds() {
        AtomicInteger cuts = new AtomicInteger();
        LiveConnections.Registration r = live.register("g1", cuts::incrementAndGet, () -> true);
        assertFalse(r.ended());
        assertEquals(1, live.count("g1"));
        assertEquals(1, live.terminate("g1"));
        assertEquals(0, live.terminate("g1"));
        assertEquals(1, cuts.get());
        r.close();
    }

    @Test
    void aGrantThatEndedDuringAdmissionIsReportedToTheCallerAndNotTracked() {
        AtomicInteger cuts = new AtomicInteger();
        AtomicBoolean active = new AtomicBoolean(true);
        // The grant ends (index first, then its listener) after the decision but before the registration.
        active.set(false);
        assertEquals(0, live.terminate("g1"), "nothing registered yet");
        LiveConnections.Registration r = live.register("g1", cuts::incrementAndGet, active::get);
        assertTrue(r.ended(), "the caller must end the connection itself");
        assertEquals(0, live.count("g1"));
        assertEquals(0, live.terminate("g1"));
        assertEquals(0, cuts.get(), "the terminator is the caller's to run, once");
    }

    @Test
    void aGrantThatEndsDuringTheCheckIsCutByExactlyOneSide() {
        AtomicInteger cuts = new AtomicInteger();
        // The listener runs while the registration asks again: it finds the connection and cuts it.
        LiveConnections.Registration r = live.register("g1", cuts::incrementAndGet, () -> {
            live.terminate("g1");
            return false;
        });
        assertFalse(r.ended(), "already cut by the listener: the caller goes on as after any cut");
        assertEquals(1, cuts.get());
    }

    @Test
    void aTerminatorThatThrowsDoesNotKeepTheOtherConnectionsOfTheGrantOpen() {
        AtomicInteger cuts = new AtomicInteger();
        live.register("g1", () -> {
            throw new IllegalStateException("socket already gone (test)");
        }, () -> true);
        live.register("g1", cuts::incrementAndGet, () -> true);
        live.register("g1", cuts::incrementAndGet, () -> true);
        assertEquals(2, live.terminate("g1"), "the two that closed");
        assertEquals(2, cuts.get());
        assertEquals(0, live.count("g1"));
    }
}
