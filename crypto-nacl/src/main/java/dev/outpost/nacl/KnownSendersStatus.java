package dev.outpost.nacl;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The state of a {@link KnownSenders} list, for status pages and health checks.
 *
 * @param file the file the list is read from; empty for a fixed list
 * @param senders how many senders are obeyed now (0 while {@code failing})
 * @param loadedAt when the file was last read successfully
 * @param failing whether the file is unusable now, so that no sender is obeyed
 * @param lastError why the file was last found unusable (it may have been fixed since); never holds key material
 * @param lastErrorAt when the file was last found unusable (the start of the current failure while {@code failing})
 */
public record KnownSendersStatus(Optional<Path> file, int senders, Optional<Instant> loadedAt, boolean failing,
        Optional<String> lastError, Optional<Instant> lastErrorAt) {
    /** Validates the components. */
    public KnownSendersStatus {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(loadedAt, "loadedAt");
        Objects.requireNonNull(lastError, "lastError");
        Objects.requireNonNull(lastErrorAt, "lastErrorAt");
    }
}
