package dev.outpost.spi;

/**
 * Receives the changes under a watched prefix. Calls for one watch never overlap and come in order
 * per key. A watcher that throws is logged and keeps its watch.
 */
@FunctionalInterface
public interface RegistryWatcher {

    /**
     * A key under the prefix was written, deleted or expired (then {@link RegistryEntry#deleted()}
     * is true and the version is the last one the key had).
     */
    void onChange(RegistryEntry entry);

    /**
     * The watcher fell behind (its bounded buffer filled up because it was slower than the writers)
     * and changes were dropped. Re-read the prefix with {@code list} to catch up; changes after this
     * call arrive again through {@link #onChange}. The default logs a warning, so a lambda watcher
     * never loses changes silently.
     *
     * @param revision the store's revision when the changes were dropped (0 if the store has none)
     */
    default void onResync(long revision) {
        System.getLogger(RegistryWatcher.class.getName()).log(System.Logger.Level.WARNING,
                "registry watcher fell behind at revision " + revision
                        + "; changes were dropped: re-list the prefix (override RegistryWatcher.onResync)");
    }
}
