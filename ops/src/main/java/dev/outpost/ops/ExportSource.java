package dev.outpost.ops;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.LocalDate;
import java.util.stream.Stream;

/**
 * What {@link DailyExporter} exports for a day: results, or any destination's messages kept by the
 * application. It must give the same records in the same order each time it is asked about a past
 * day, so that a rerun after a crash writes the same objects.
 *
 * <p>The records are streamed: the exporter reads them one at a time and closes the stream when
 * done (or failed), so a source backed by a file or a cursor holds no more than it reads; for
 * example {@code day -> Files.lines(dir.resolve(day + ".jsonl")).map(Json::parse)}.
 */
@FunctionalInterface
public interface ExportSource {
    /** The day's records (UTC), in a stable order; the exporter closes the stream. */
    Stream<JsonNode> records(LocalDate day) throws Exception;
}
