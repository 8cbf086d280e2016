package dev.outpost.host.records;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A record as the {@link RecordStore} keeps it.
 *
 * @param fileName {@code <source>_<timestamp>.json}, built by the store
 * @param requestId the id that makes storing exactly-once
 * @param source who sent it (a worker id or the shipper's uuid)
 * @param timestamp when the store accepted it (its clock); the timestamp in the file name
 * @param measuredAt when the sender says the sample was taken, if it said
 * @param data the record's content
 */
public record StoredRecord(String fileName, String requestId, String source, Instant timestamp,
        Optional<Instant> measuredAt, JsonNode data) {
    /** Validates the components. */
    public StoredRecord {
        Objects.requireNonNull(fileName, "fileName");
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(measuredAt, "measuredAt");
        Objects.requireNonNull(data, "data");
    }
}
