package dev.outpost.kv;

/** How {@link SqliteRegistry#importFrom} treats the keys already in the store. */
public enum ImportMode {
    /** Write every imported entry; keep keys the import does not name (bpbroker's {@code configure}). */
    ADD,
    /** Make the store hold exactly the imported entries: keys the import does not name are deleted. */
    REPLACE
}
