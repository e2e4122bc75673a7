package io.jumpgate.gateway.ssh;

import io.jumpgate.core.policy.User;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;

import java.io.IOException;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Plain public keys: the {@code authorizedKeys} lines of each configured user. */
public final class AuthorizedKeys implements PublicKeyCheck {
    private final Map<String, List<PublicKey>> keysByUser = new HashMap<>();

    /** Parses every user's lines; a line MINA cannot parse stops start-up naming the user. */
    public AuthorizedKeys(Map<String, User> users) {
        for (User u : users.values()) {
            List<PublicKey> keys = new ArrayList<>();
            for (String line : u.authorizedKeys()) {
                keys.add(parse(u.name(), line));
            }
            keysByUser.put(u.name(), List.copyOf(keys));
        }
    }

    public static PublicKey parse(String owner, String line) {
        try {
            AuthorizedKeyEntry e = AuthorizedKeyEntry.parseAuthorizedKeyEntry(line);
            if (e == null) throw new IllegalArgumentException("empty key line");
            if (!e.getLoginOptions().isEmpty()) {
                throw new IllegalArgumentException("key options " + e.getLoginOptions().keySet()
                        + " are not supported (roles decide what a user may reach)");
            }
            return e.resolvePublicKey(null, PublicKeyEntryResolver.FAILING);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("authorized key of " + owner + " cannot be used: " + e.getMessage(), e);
        }
    }

    @Override
    public KeyVerdict check(String username, PublicKey key, InetAddress source) {
        SessionContext.Credential c = new SessionContext.Credential("publickey", KeyUtils.getKeyType(key),
                KeyUtils.getFingerPrint(key), null, null);
        List<PublicKey> keys = keysByUser.get(username);
        if (keys == null) {
            return KeyVerdict.refuse("unknown_user", "no gateway user named '" + username + "'", c);
        }
        for (PublicKey k : keys) {
            if (KeyUtils.compareKeys(k, key)) {
                return KeyVerdict.accept(c);
            }
        }
        return KeyVerdict.refuse("unknown_key", "key " + c.fingerprint() + " is not an authorized key of " + username, c);
    }
}
