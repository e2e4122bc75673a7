package io.jumpgate.core.target;

/** Power state of a target as its inventory last saw it. Only {@link #RUNNING} targets are reachable. */
public enum PowerState {
    RUNNING, STARTING, STOPPING, STOPPED, DEALLOCATED, UNKNOWN;

    public boolean reachable() {
        return this == RUNNING;
    }
}
