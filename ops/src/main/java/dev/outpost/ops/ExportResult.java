package dev.outpost.ops;

import java.time.LocalDate;
import java.util.List;
import java.util.Objects;

/**
 * What one day's export did.
 *
 * @param day the day (UTC)
 * @param alreadyDone true when the day's marker was there, so nothing was written
 * @param records how many records the day holds
 * @param keys the data objects' keys
 * @param attempts how many attempts it took
 */
public record ExportResult(LocalDate day, boolean alreadyDone, long records, List<String> keys, int attempts) {
    /** Copies the keys. */
    public ExportResult {
        Objects.requireNonNull(day, "day");
        keys = List.copyOf(keys);
    }
}
