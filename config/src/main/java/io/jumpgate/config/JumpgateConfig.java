package io.jumpgate.config;

import io.jumpgate.core.policy.Role;
import io.jumpgate.core.policy.User;

import java.nio.file.Path;
import java.util.Map;

/**
 * The whole validated configuration. Built once at start by {@link ConfigLoader}; immutable.
 *
 * @param dataDir    where state lives by default (host key, audit log, recordings, grant database)
 * @param users      users by name
 * @param sessions   how recorded sessions log in to targets
 * @param roles      roles by name
 */
public record JumpgateConfig(Path dataDir, SshSettings ssh, RdpSettings rdp, Map<String, User> users,
                             Map<String, Role> roles, InventorySettings inventory, AuditSettings audit,
                             RecordingSettings recordings, GrantStoreSettings grants, Limits limits,
                             SessionSettings sessions) {
    public JumpgateConfig {
        users = Map.copyOf(users);
        roles = Map.copyOf(roles);
    }

    /** The same configuration with another set of users (the demo adds the invoking user's key). */
    public JumpgateConfig withUsers(Map<String, User> newUsers) {
        return new JumpgateConfig(dataDir, ssh, rdp, newUsers, roles, inventory, audit, recordings, grants, limits, sessions);
    }
}
