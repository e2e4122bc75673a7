package io.jumpgate.core.grant;

import io.jumpgate.core.policy.User;

import java.util.List;
import java.util.Objects;

/**
 * Who acts on a grant: a gateway user (over SSH, with their roles) or an operator on the gateway host
 * ({@code operator:<unix user>}, trusted with every approval and revocation, but never for their own grant).
 */
public record Actor(String name, List<String> roles, boolean operator) {
    public static final String OPERATOR_PREFIX = "operator:";

    public Actor {
        Objects.requireNonNull(name, "name");
        roles = List.copyOf(roles == null ? List.of() : roles);
    }

    public static Actor user(User u) {
        return new Actor(u.name(), u.roles(), false);
    }

    public static Actor operator(String unixUser) {
        return new Actor(OPERATOR_PREFIX + unixUser, List.of(), true);
    }

    /** True when this actor is (or, as an operator, logs in as) {@code user}. */
    public boolean is(String user) {
        return name.equals(user) || (operator && name.equals(OPERATOR_PREFIX + user));
    }
}
