package dev.outpost.cli;

import dev.outpost.nacl.KeyFileException;
import java.nio.file.Path;

/**
 * A key file or known-senders entry the command would overwrite is there already; nothing was
 * changed. A {@link KeyFileException} still, but a refusal (exit 1, as {@code kv put} of a key that
 * exists), not an I/O error, with a hint of its own: the file is fine, the request is what must change.
 */
final class AlreadyThereException extends KeyFileException {
    private static final long serialVersionUID = 1L;

    AlreadyThereException(Path file, String message) {
        super(file, message);
    }
}
