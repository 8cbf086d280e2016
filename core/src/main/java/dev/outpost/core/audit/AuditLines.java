package dev.outpost.core.audit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.core.internal.CanonicalJson;
import dev.outpost.core.internal.JsonBytes;
import dev.outpost.core.internal.Timestamps;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * How an {@link AuditEvent} is written as a JSON line: the params as their SHA-256, and in full
 * only when asked; a text value past {@value #MAX_VALUE} characters is cut there and ends in
 * {@code …}, so that a hostile request id or name cannot make a line of the message's size. Used by the {@link AuditLog}'s writer thread, not by the recording threads:
 * measured both ways, rendering on the worker's threads cost them 2-5 µs per request more than it
 * saved the writer. Not thread-safe (it keeps the text of the last second's timestamps, and of the
 * last value of each repeated field).
 */
final class AuditLines {
    private static final byte[] TIME = ascii("{\"time\":\"");
    private static final byte[] AUTHENTICATED = ascii(",\"authenticated\":true");
    private static final byte[] NOT_AUTHENTICATED = ascii(",\"authenticated\":false");
    private static final byte[] PARAMS_SHA256 = ascii(",\"paramsSha256\":\"");
    private static final byte[] PARAMS = ascii(",\"params\":");
    private static final byte[] DURATION = ascii(",\"durationMicros\":");
    /** The longest text value a line carries whole, in chars. */
    static final int MAX_VALUE = 1024;

    private final boolean includeParams;
    /** The text up to the second is shared by the lines of a second. */
    private final Timestamps.Appender stamps = new Timestamps.Appender();
    // a worker's lines repeat these values: each is quoted once per distinct value, not once per line
    private final Field kind = new Field("kind");
    private final Field component = new Field("component");
    private final Field requestId = new Field("requestId");
    private final Field sender = new Field("sender");
    private final Field target = new Field("target");
    private final Field outcome = new Field("outcome");

    AuditLines(boolean includeParams) {
        this.includeParams = includeParams;
    }

    /** Appends the line for {@code e}, without its newline. */
    void render(AuditEvent e, JsonBytes line) {
        line.bytes(TIME);
        stamps.appendTo(e.time(), line);
        line.ascii('"');
        kind.append(e.kind(), line);
        component.append(e.component(), line);
        if (e.requestId().isPresent()) {
            requestId.appendUncached(e.requestId().get(), line); // unique per line
        }
        if (e.sender().isPresent()) {
            sender.append(e.sender().get(), line);
        }
        line.bytes(e.authenticated() ? AUTHENTICATED : NOT_AUTHENTICATED);
        if (e.target().isPresent()) {
            target.append(e.target().get(), line);
        }
        if (e.params().isPresent()) {
            JsonNode p = e.params().get();
            line.bytes(PARAMS_SHA256);
            CanonicalJson.appendSha256Of(p, line);
            line.ascii('"');
            if (includeParams) {
                line.bytes(PARAMS).utf8(p.toString()); // JsonNode.toString() is strict JSON
            }
        }
        outcome.append(e.outcome(), line);
        line.bytes(DURATION).number(TimeUnit.NANOSECONDS.toMicros(e.duration().toNanos())).ascii('}');
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** One field, {@code ,"name":"value"}, with the rendered text of the last value it was given. */
    private static final class Field {
        /** Longer values are quoted each time: a cache must not pin a huge string. */
        private static final int MAX_CACHED = 256;
        private final byte[] prefix;
        private String last;
        private byte[] lastText;

        Field(String name) {
            this.prefix = ascii(",\"" + name + "\":");
        }

        void append(String value, JsonBytes line) {
            if (value == last || value.equals(last)) {
                line.bytes(lastText);
                return;
            }
            int from = line.length();
            appendUncached(value, line);
            if (value.length() <= MAX_CACHED) {
                last = value;
                lastText = Arrays.copyOfRange(line.array(), from, line.length());
            }
        }

        void appendUncached(String value, JsonBytes line) {
            line.bytes(prefix).quoted(value.length() <= MAX_VALUE ? value : cut(value));
        }

        private static String cut(String value) {
            int n = Character.isHighSurrogate(value.charAt(MAX_VALUE - 1)) ? MAX_VALUE - 1 : MAX_VALUE; // a pair stays whole
            return value.substring(0, n) + "…";
        }
    }
}
