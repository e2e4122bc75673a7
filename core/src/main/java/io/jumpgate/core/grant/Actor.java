package io.jumpgate.core.grant;

import io.jumpgate.core.policy.User;

import java.util.List;
import java.util.Objects;

/**
 * Who acts on a grant: a gateway user (over SSH, with their roles) or an operator on the gateway host
 * ({@code operator:<unix user>}, trusted with every approval and revocation, but never for their own grant).
 *
 * @param processUser for operators, the unix user the process runs as (audit only; null for users)
 * @param sudoUser    for operators, {@code SUDO_USER} as found, believed or not (audit only; null when unset)
 */
public record Actor(String name, List<String> roles, boolean operator, String processUser, String sudoUser) {
    public static final String OPERATOR_PREFIX = "operator:";

    public Actor {
        Objects.requireNonNull(name, "name");
        roles = List.copyOf(roles == null ? List.of() : roles);
    }

    public static Actor user(User u) {
        return new Actor(u.name(), u.roles(), false, null, null);
    }

    public static Actor operator(String unixUser) {
        return operator(unixUser, unixUser, null);
    }

    /** An operator named {@code unixUser} (the person: {@code SUDO_USER} when believed) in a process of {@code processUser}. */
    public static Actor operator(String unixUser, String processUser, String sudoUser) {
        return new Actor(OPERATOR_PREFIX + unixUser, List.of(), true, processUser, sudoUser);
    }

    /** True when this actor is (or, as an operator, logs in as) {@code user}. */
    public boolean is(String user) {
        return name.equals(user) || (operator && name.equals(OPERATOR_PREFIX + user));
    }
}
