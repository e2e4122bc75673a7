package io.jumpgate.core.policy;

import java.util.List;
import java.util.Objects;

/**
 * A gateway user.
 *
 * @param name           login name on the gateway; also the principal expected in user certificates
 * @param authorizedKeys OpenSSH {@code authorized_keys} lines
 * @param roles          names of the roles the user holds
 */
public record User(String name, List<String> authorizedKeys, List<String> roles) {
    public User {
        Objects.requireNonNull(name, "name");
        authorizedKeys = List.copyOf(authorizedKeys == null ? List.of() : authorizedKeys);
        roles = List.copyOf(roles == null ? List.of() : roles);
    }
}
