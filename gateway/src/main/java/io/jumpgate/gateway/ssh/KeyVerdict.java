package io.jumpgate.gateway.ssh;

/**
 * Whether a public key or certificate may log in as a user.
 *
 * @param accepted   the key is acceptable (the signature still has to verify)
 * @param code       audit code: {@code ok}, {@code unknown_user}, {@code unknown_key}, {@code cert_expired}…
 * @param detail     the full reason, for audit only
 * @param credential what the key is (fingerprint, certificate id and serial)
 */
public record KeyVerdict(boolean accepted, String code, String detail, SessionContext.Credential credential) {
    static KeyVerdict accept(SessionContext.Credential c) {
        return new KeyVerdict(true, "ok", null, c);
    }

    static KeyVerdict refuse(String code, String detail, SessionContext.Credential c) {
        return new KeyVerdict(false, code, detail, c);
    }
}
