package io.jumpgate.core.audit;

/**
 * What users typed, made fit for the audit log and for messages that echo it: a remote command line can be
 * 256 KiB, and each event or refusal would otherwise carry all of it.
 */
public final class AuditText {
    /** At most this many characters of user input are kept, then {@code …}. */
    public static final int MAX = 256;

    private AuditText() {}

    /** {@code s} itself when it is at most {@link #MAX} characters, else its first {@link #MAX} and {@code …}; null stays null. */
    public static String capped(String s) {
        if (s == null || s.length() <= MAX) return s;
        int end = Character.isHighSurrogate(s.charAt(MAX - 1)) ? MAX - 1 : MAX; // never half a character
        return s.substring(0, end) + "…";
    }
}
