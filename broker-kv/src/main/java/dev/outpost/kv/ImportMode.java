package dev.outpost.kv;

/** How {@link RegistryImport} treats the keys already in the registry. */
public enum ImportMode {
    /**
     * Adds the keys the registry does not hold; keys it holds stay exactly as they are (bpbroker's
     * {@code configure}).
     */
    ADD,
    /** Writes every imported entry over what is there; keys the import does not name stay. */
    OVERWRITE,
    /**
     * Makes the registry hold exactly the imported entries: writes every one over what is there and
     * deletes the keys the import does not name (for a registry other than {@link SqliteRegistry},
     * only in the namespaces the import names).
     */
    MIRROR
}
