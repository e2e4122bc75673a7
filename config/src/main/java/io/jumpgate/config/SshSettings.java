package io.jumpgate.config;

import java.nio.file.Path;
import java.util.List;

/**
 * The SSH front end.
 *
 * @param listenHost          address to bind
 * @param listenPort          port to bind (0 picks a free one; the gateway prints it)
 * @param hostKey             host key file, generated 0600 on first start
 * @param trustedUserCaKeys   OpenSSH public keys of CAs whose user certificates are accepted
 * @param passwordAuth        password authentication (off; Jumpgate users have no passwords)
 * @param keyboardInteractive keyboard-interactive authentication (off)
 * @param revokedKeys         revoked keys and certificates (OpenSSH KRL text form), read at every login; null: none
 */
public record SshSettings(String listenHost, int listenPort, Path hostKey, List<String> trustedUserCaKeys,
                          boolean passwordAuth, boolean keyboardInteractive, Path revokedKeys) {
    public SshSettings {
        trustedUserCaKeys = List.copyOf(trustedUserCaKeys);
    }
}
