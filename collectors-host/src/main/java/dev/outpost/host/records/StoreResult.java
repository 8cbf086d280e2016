package dev.outpost.host.records;

import java.time.Instant;
import java.util.Objects;

/**
 * The outcome of {@link RecordStore#store}.
 *
 * @param fileName the record's file name ({@code <source>_<timestamp>.json})
 * @param timestamp the timestamp in the file name
 * @param duplicate true when a record with the same request id was already stored: nothing was written
 */
public record StoreResult(String fileName, Instant timestamp, boolean duplicate) {
    /** Validates the components. */
    public StoreResult {
        Objects.requireNonNull(fileName, "fileName");
        Objects.requireNonNull(timestamp, "timestamp");
    }
}
