package dev.outpost.ops;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.LocalDate;
import java.util.List;

/**
 * What {@link DailyExporter} exports for a day: results, or any destination's messages kept by the
 * application. It must give the same records in the same order each time it is asked about a past
 * day, so that a rerun after a crash writes the same objects.
 */
@FunctionalInterface
public interface ExportSource {
    /** The day's records (UTC), in a stable order. */
    List<JsonNode> records(LocalDate day) throws Exception;
}
