package io.jumpgate.core.policy;

/** Whether terminal sessions to a target are recorded: {@code REQUIRED} also refuses paths that cannot be recorded. */
public enum RecordingMode {
    OFF, ON, REQUIRED
}
