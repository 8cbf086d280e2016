package dev.outpost.kv;

import dev.outpost.spi.RegistryException;
import java.nio.file.Path;

/**
 * A database or backup file is not a healthy Outpost registry (not SQLite at all, a SQLite database
 * of another program, or damaged). The file was not changed: move it away or restore a backup.
 */
public final class CorruptStoreException extends RegistryException {
    private static final long serialVersionUID = 1L;
    private final transient Path file;

    /** {@code file} was refused for {@code reason}. */
    public CorruptStoreException(Path file, String reason, Throwable cause) {
        super("", "refusing " + file + ": " + reason + " (the file was not changed)", cause);
        this.file = file;
    }

    /** The refused file. */
    public Path file() {
        return file;
    }
}
