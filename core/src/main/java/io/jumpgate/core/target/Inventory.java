package io.jumpgate.core.target;

/** Where targets come from. One decision: what is the current set of targets. */
public interface Inventory extends AutoCloseable {
    /** The latest snapshot; cheap, never blocks on I/O. */
    InventorySnapshot snapshot();

    /** Refreshes now (on demand); the default inventory is fixed and does nothing. */
    default InventorySnapshot refresh() {
        return snapshot();
    }

    @Override
    default void close() {}
}
