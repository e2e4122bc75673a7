package io.jumpgate.core.audit;

import java.util.Locale;

/** Outcome of the audited decision or action. */
public enum Outcome {
    SUCCESS, DENIED, FAILURE, INFO;

    private final String text = name().toLowerCase(Locale.ROOT);

    /** As written in audit lines: {@code success}, {@code denied}, {@code failure}, {@code info}. */
    public String text() {
        return text;
    }
}
