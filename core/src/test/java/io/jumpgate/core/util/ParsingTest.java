package io.jumpgate.core.util;

import io.jumpgate.core.policy.Ports;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParsingTest {
    @Test
    void durations() {
        assertEquals(Duration.ofMinutes(90), Durations.parse("1h30m"));
        assertEquals(Duration.ofSeconds(30), Durations.parse("30s"));
        assertEquals(Duration.ofDays(2), Durations.parse("2d"));
        assertEquals(Duration.ofMillis(250), Durations.parse("250ms"));
        assertEquals("1h30m", Durations.format(Duration.ofMinutes(90)));
        for (String bad : new String[] {"", "1", "h", "1x", "1h 30m", "-1h", "1h30"}) {
            assertThrows(IllegalArgumentException.class, () -> Durations.parse(bad), bad);
        }
    }

    @Test
    void ipLiteralsNeverResolveNames() {
        assertTrue(IpLiterals.parse("10.0.0.4").isPresent());
        assertTrue(IpLiterals.parse("[::1]").isPresent());
        assertTrue(IpLiterals.parse("localhost").isEmpty());
        assertTrue(IpLiterals.parse("example.com").isEmpty());
        assertTrue(IpLiterals.parse("10.0.0.256").isEmpty());
        assertTrue(IpLiterals.parse("10.0.0").isEmpty());
        assertTrue(IpLiterals.parse("0x7f.1").isEmpty());
    }

    @Test
    void ports() {
        assertEquals(22, Ports.parse("ssh"));
        assertEquals(3389, Ports.parse("RDP"));
        assertEquals(8443, Ports.parse("8443"));
        assertThrows(IllegalArgumentException.class, () -> Ports.parse("0"));
        assertThrows(IllegalArgumentException.class, () -> Ports.parse("70000"));
        assertThrows(IllegalArgumentException.class, () -> Ports.parse("telnet"));
    }
}
