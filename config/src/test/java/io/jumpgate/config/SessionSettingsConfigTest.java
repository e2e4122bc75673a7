package io.jumpgate.config;

import io.jumpgate.core.target.Target;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SessionSettingsConfigTest {
    @Test
    void defaultsWithoutSection() {
        SessionSettings s = ConfigLoader.parse("dataDir: /d\n").sessions();
        assertEquals(SessionSettings.Auth.KEY, s.auth());
        assertEquals(Path.of("/d/target_id_ed25519"), s.identityKey());
        assertEquals(Path.of("/d/known_hosts"), s.knownHosts());
        assertEquals(22, s.port());
    }

    @Test
    void certificateModeWithLoginOverrides() throws Exception {
        SessionSettings s = ConfigLoader.parse("""
                sessions:
                  auth: certificate
                  userCaKey: /etc/jumpgate/user_ca
                  certificateValidity: 3m
                  knownHosts: /etc/jumpgate/known_hosts
                  login:
                    default: azureuser
                    targets:
                      "db_*": postgres
                  connectTimeout: 5s
                """).sessions();
        assertEquals(SessionSettings.Auth.CERTIFICATE, s.auth());
        assertEquals(Duration.ofMinutes(3), s.certificateValidity());
        InetAddress a = InetAddress.getByName("10.0.0.4");
        assertEquals("postgres", s.loginFor(Target.of("db_1", a)));
        assertEquals("azureuser", s.loginFor(Target.of("web_1", a)));
    }

    @Test
    void badInputNamesThePath() {
        var e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("sessions:\n  auth: certificate\n"));
        assertTrue(e.getMessage().contains("sessions.userCaKey"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("sessions:\n  auth: telnet\n"));
        assertTrue(e.getMessage().contains("sessions.auth (line 2)"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("sessions:\n  login:\n    targets:\n      web: 'Root;'\n"));
        assertTrue(e.getMessage().contains("sessions.login.targets.web (line 4)"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("sessions:\n  certificateValidity: 2d\n"));
        assertTrue(e.getMessage().contains("at most 1h"), e.getMessage());
    }
}
