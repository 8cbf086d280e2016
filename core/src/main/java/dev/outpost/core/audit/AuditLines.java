package dev.outpost.core.audit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.core.internal.CanonicalJson;
import dev.outpost.core.internal.JsonBytes;
import dev.outpost.core.internal.Timestamps;
import java.util.concurrent.TimeUnit;

/**
 * How an {@link AuditEvent} is written as a JSON line: the params as their SHA-256, and in full
 * only when asked. Used by the {@link AuditLog}'s writer thread, not by the recording threads:
 * measured both ways, rendering on the worker's threads cost them 2-5 µs per request more than it
 * saved the writer. Not thread-safe (it keeps the text of the last second's timestamps).
 */
final class AuditLines {
    private final boolean includeParams;
    /** The text up to the second is shared by the lines of a second. */
    private final Timestamps.Appender stamps = new Timestamps.Appender();

    AuditLines(boolean includeParams) {
        this.includeParams = includeParams;
    }

    /** Appends the line for {@code e}, without its newline. */
    void render(AuditEvent e, JsonBytes line) {
        line.utf8("{\"time\":\"");
        stamps.appendTo(e.time(), line);
        line.ascii('"');
        field(line, "kind", e.kind());
        field(line, "component", e.component());
        if (e.requestId().isPresent()) {
            field(line, "requestId", e.requestId().get());
        }
        if (e.sender().isPresent()) {
            field(line, "sender", e.sender().get());
        }
        line.utf8(",\"authenticated\":").bool(e.authenticated());
        if (e.target().isPresent()) {
            field(line, "target", e.target().get());
        }
        if (e.params().isPresent()) {
            JsonNode p = e.params().get();
            line.utf8(",\"paramsSha256\":\"");
            CanonicalJson.appendSha256Of(p, line);
            line.ascii('"');
            if (includeParams) {
                line.utf8(",\"params\":").utf8(p.toString()); // JsonNode.toString() is strict JSON
            }
        }
        field(line, "outcome", e.outcome());
        line.utf8(",\"durationMicros\":").number(TimeUnit.NANOSECONDS.toMicros(e.duration().toNanos())).ascii('}');
    }

    private static void field(JsonBytes line, String name, String value) {
        line.utf8(",\"").utf8(name).utf8("\":").quoted(value);
    }
}
