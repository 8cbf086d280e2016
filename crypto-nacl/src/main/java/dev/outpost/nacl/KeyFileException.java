package dev.outpost.nacl;

import java.nio.file.Path;

/** A key or known-senders file is missing, malformed, or (for secret keys) readable by others. */
public class KeyFileException extends NaclException {
    private static final long serialVersionUID = 1L;
    private final transient Path file;

    /** A problem with {@code file}. */
    public KeyFileException(Path file, String message) {
        super(file + ": " + message);
        this.file = file;
    }

    /** A problem with {@code file}, with a cause. */
    public KeyFileException(Path file, String message, Throwable cause) {
        super(file + ": " + message, cause);
        this.file = file;
    }

    /** The file concerned. */
    public Path file() {
        return file;
    }
}
