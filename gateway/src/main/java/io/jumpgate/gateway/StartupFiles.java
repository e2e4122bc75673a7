package io.jumpgate.gateway;

import io.jumpgate.config.JumpgateConfig;
import io.jumpgate.config.SessionSettings;
import io.jumpgate.config.SshSettings;
import io.jumpgate.gateway.recording.TargetHostKeys;
import io.jumpgate.gateway.ssh.AuthorizedKeys;
import io.jumpgate.gateway.ssh.KeyFiles;
import io.jumpgate.gateway.ssh.RevokedKeys;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the gateway reads at start besides the config file, checked as the gateway reads it and without changing
 * anything: the host key and the target identity or CA key (when they exist; missing ones are generated at start),
 * the revocation list, the target known_hosts and host CA keys, and every public key line parsed in full (the
 * config loader only checks their shape). {@code check-config} prints these problems; {@code run} refuses to start
 * on them as on a config error (exit 2). Each problem names the config key it comes from.
 */
public final class StartupFiles {
    private StartupFiles() {}

    /** Every problem found, each {@code key.path: what is wrong}; empty when the gateway can read everything. */
    public static List<String> problems(JumpgateConfig config) {
        List<String> problems = new ArrayList<>();
        SshSettings ssh = config.ssh();
        for (var user : config.users().values()) {
            List<String> lines = user.authorizedKeys();
            for (int i = 0; i < lines.size(); i++) {
                line(problems, "users[" + user.name() + "].authorizedKeys[" + i + "]", lines.get(i));
            }
        }
        for (int i = 0; i < ssh.trustedUserCaKeys().size(); i++) {
            line(problems, "ssh.trustedUserCaKeys[" + i + "]", ssh.trustedUserCaKeys().get(i));
        }
        privateKey(problems, "ssh.hostKey", ssh.hostKey());
        if (ssh.revokedKeys() != null) {
            check(problems, "ssh.revokedKeys", () -> RevokedKeys.validate(ssh.revokedKeys()));
        }
        SessionSettings sessions = config.sessions();
        if (sessions != null) {
            if (sessions.auth() == SessionSettings.Auth.KEY) {
                privateKey(problems, "sessions.identityKey", sessions.identityKey());
            } else {
                privateKey(problems, "sessions.userCaKey", sessions.userCaKey());
            }
            check(problems, "sessions.knownHosts", () -> TargetHostKeys.validateKnownHosts(sessions.knownHosts()));
            for (int i = 0; i < sessions.hostCaKeys().size(); i++) {
                String line = sessions.hostCaKeys().get(i);
                check(problems, "sessions.hostCaKeys[" + i + "]", () -> TargetHostKeys.hostCa(line));
            }
        }
        return problems;
    }

    private interface Check {
        void run() throws Exception;
    }

    private static void check(List<String> problems, String key, Check check) {
        try {
            check.run();
        } catch (Exception e) {
            problems.add(key + ": " + describe(e));
        }
    }

    private static void line(List<String> problems, String key, String line) {
        check(problems, key, () -> AuthorizedKeys.parse(key, line));
    }

    /** An existing key must load (and be private to its owner); a missing one is generated at start. */
    private static void privateKey(List<String> problems, String key, Path file) {
        if (file == null || !Files.exists(file)) return;
        check(problems, key, () -> KeyFiles.load(file));
    }

    private static String describe(Exception e) {
        Throwable cause = e instanceof IOException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof AccessDeniedException a) {
            return "cannot read " + a.getFile() + ": permission denied (run this as the gateway's user)";
        }
        return e.getMessage();
    }
}
