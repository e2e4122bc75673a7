package io.jumpgate.core.audit;

/** Outcome of the audited decision or action. */
public enum Outcome {
    SUCCESS, DENIED, FAILURE, INFO
}
