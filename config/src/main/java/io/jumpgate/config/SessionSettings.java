package io.jumpgate.config;

import io.jumpgate.core.policy.TargetSelector;
import io.jumpgate.core.target.Target;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Recorded sessions: how the gateway logs in to targets when it terminates {@code ssh -t gw TARGET} itself.
 *
 * @param auth                how the gateway authenticates to targets
 * @param identityKey         the gateway's identity private key (auth: key), installed on targets by operators
 * @param userCaKey           the gateway user CA private key (auth: certificate); targets trust it with TrustedUserCAKeys
 * @param certificateValidity lifetime of a per-session certificate
 * @param knownHosts          known_hosts file with the targets' host keys (may hold {@code @cert-authority} lines)
 * @param hostCaKeys          OpenSSH public keys of CAs that sign target host certificates
 * @param defaultLogin        login on targets when no override matches
 * @param logins              per-target login overrides: target name glob -> login, first match wins
 * @param connectTimeout      time allowed to connect to and authenticate with a target
 * @param port                SSH port of targets
 */
public record SessionSettings(Auth auth, Path identityKey, Path userCaKey, Duration certificateValidity, Path knownHosts,
                              List<String> hostCaKeys, String defaultLogin, Map<String, String> logins,
                              Duration connectTimeout, int port) {
    public enum Auth { KEY, CERTIFICATE }

    public SessionSettings {
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(defaultLogin, "defaultLogin");
        hostCaKeys = List.copyOf(hostCaKeys);
        logins = Collections.unmodifiableMap(new LinkedHashMap<>(logins));
    }

    /** The login to use on {@code target}: the first glob override matching its name or an alias, else the default. */
    public String loginFor(Target target) {
        for (var e : logins.entrySet()) {
            if (TargetSelector.globs(e.getKey()).matches(target)) return e.getValue();
        }
        return defaultLogin;
    }
}
