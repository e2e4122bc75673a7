package io.jumpgate.core.policy;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CidrTest {
    @Test
    void containsAndCovers() throws Exception {
        Cidr c = Cidr.parse("10.1.0.0/16");
        assertTrue(c.contains(InetAddress.getByName("10.1.255.3")));
        assertFalse(c.contains(InetAddress.getByName("10.2.0.1")));
        assertFalse(c.contains(InetAddress.getByName("::1")));
        assertTrue(c.covers(Cidr.parse("10.1.2.0/24")));
        assertFalse(c.covers(Cidr.parse("10.0.0.0/8")));
        assertEquals("127.0.0.9/32", Cidr.parse("127.0.0.9").toString());
        assertTrue(Cidr.parse("0.0.0.0/0").contains(InetAddress.getByName("203.0.113.7")));
        assertTrue(Cidr.parse("2001:db8::/32").contains(InetAddress.getByName("2001:db8::1")));
        assertTrue(Cidr.parse("10.0.0.0/12").contains(InetAddress.getByName("10.15.0.1")));
        assertFalse(Cidr.parse("10.0.0.0/12").contains(InetAddress.getByName("10.16.0.1")));
    }

    @Test
    void rejectsBadInput() {
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.1/8"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("example.com/8"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("300.0.0.0/8"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/x"));
    }
}
