package dev.outpost.core.audit;

import java.io.IOException;
import java.util.List;

/**
 * Where audit lines go. {@link AuditLog} calls a sink from its own writer thread, never from a
 * worker's, with batches of lines already rendered as JSON objects (one line each, no newline);
 * a slow sink makes the buffer fill and lines be dropped and counted, never the loop wait.
 * {@link JsonLinesFileSink} writes rotated files; implement this to send lines elsewhere
 * (syslog, a SIEM, a queue).
 */
public interface AuditSink extends AutoCloseable {
    /**
     * Writes {@code lines}. Whatever it throws is counted and logged; the lines are lost.
     *
     * @throws IOException when they could not be written
     */
    void write(List<String> lines) throws IOException;

    /** Releases the sink's files or connections; the default does nothing. */
    @Override
    default void close() throws IOException {}
}
