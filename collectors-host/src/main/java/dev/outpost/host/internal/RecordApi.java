package dev.outpost.host.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.Json;
import dev.outpost.host.records.RecordRejectedException;
import dev.outpost.host.records.RecordStore;
import dev.outpost.host.records.StoreResult;
import dev.outpost.host.records.StoredRecord;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The record API's routes and JSend replies, apart from the sockets: {@code POST /api/v1/record},
 * {@code GET /api/test/count}, {@code GET /api/test/latest}. Replies never hold the server's paths
 * or the token.
 */
public final class RecordApi {
    private static final Logger log = LoggerFactory.getLogger(RecordApi.class);
    private static final java.util.regex.Pattern SOURCE = java.util.regex.Pattern.compile(RecordStore.SOURCE_PATTERN);
    /**
     * Writes replies. A record's data was written inside its envelope (one level deep) within
     * Jackson's default nesting limit; {@code latest} puts it two levels deep ({@code data.content}),
     * so the limit here is two more, or a record stored at the limit could never be served.
     */
    private static final ObjectMapper MAPPER = Json.newMapper();

    static {
        MAPPER.getFactory().setStreamWriteConstraints(StreamWriteConstraints.builder()
                .maxNestingDepth(StreamWriteConstraints.defaults().getMaxNestingDepth() + 2).build());
    }

    /** A reply: status, extra headers, JSON body. */
    public record Reply(int status, Map<String, String> headers, byte[] body) {
        static Reply of(int status, JsonNode body) {
            return of(status, Map.of(), body);
        }

        static Reply of(int status, Map<String, String> headers, JsonNode body) {
            try {
                return new Reply(status, headers, MAPPER.writeValueAsBytes(body));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Reads the body once the route says it needs one. */
    @FunctionalInterface
    public interface Body {
        byte[] read() throws IOException;
    }

    private final RecordStore store;

    public RecordApi(RecordStore store) {
        this.store = store;
    }

    /** Which method a path takes, or empty for an unknown path. */
    public static Optional<String> methodFor(String path) {
        return switch (path) {
            case "/api/v1/record" -> Optional.of("POST");
            case "/api/test/count", "/api/test/latest" -> Optional.of("GET");
            default -> Optional.empty();
        };
    }

    /** The reply to an authorised request whose method and path were checked. */
    public Reply handle(String path, Body body) throws IOException {
        return switch (path) {
            case "/api/v1/record" -> post(body.read());
            case "/api/test/count" -> success(200, MAPPER.createObjectNode().put("count", store.count()));
            default -> latest();
        };
    }

    /** {@code POST /api/v1/record} with this body: the parsing and checks, then the store. */
    public Reply post(byte[] body) {
        Parsed p;
        try {
            p = parse(body);
        } catch (Refused r) {
            return fail(400, r.field, r.getMessage());
        }
        StoreResult r;
        try {
            r = store.store(p.requestId(), p.source(), p.data(), p.measuredAt());
        } catch (RecordRejectedException e) {
            return fail(400, e.field(), e.getMessage());
        } catch (IOException | RuntimeException e) {
            log.error("records http: could not store a record from '{}': {}", p.source(), e.toString());
            return error(500, "could not store the record; try again later");
        }
        ObjectNode data = MAPPER.createObjectNode();
        data.put("uuid", p.source());
        p.timestampText().ifPresent(t -> data.put("timestamp", t));
        data.put("filename", r.fileName());
        data.put("duplicate", r.duplicate());
        return success(r.duplicate() ? 200 : 201, data);
    }

    /** A record request, checked. */
    public record Parsed(String requestId, String source, JsonNode data, Optional<Instant> measuredAt, Optional<String> timestampText) {}

    /** A request body that is refused; {@code field} names what is wrong. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        private final String field;

        Refused(String field, String message) {
            super(message, null, false, false);
            this.field = field;
        }

        public String field() {
            return field;
        }
    }

    /** Parses and checks a record body; the fuzz target's entry. */
    public static Parsed parse(byte[] body) throws Refused {
        JsonNode json;
        // plain JSON data only, as the worker's codecs read it: a repeated key, or a second value after the first, says
        // two things where other readers take the other one, and a number past a double's range would be stored as
        // the string "Infinity"
        try (JsonParser p = MAPPER.createParser(body)) {
            p.nextToken();
            json = Json.readReadOnlyTree(p).orElse(null);
            if (json == null || p.nextToken() != null) {
                throw new Refused("body", "body must be one JSON object, without repeated keys, and its numbers within a double's range");
            }
        } catch (IOException | RuntimeException e) {
            throw new Refused("body", "body is not valid JSON");
        }
        if (json == null || !json.isObject()) {
            throw new Refused("body", "body must be a JSON object with uuid, timestamp and data");
        }
        JsonNode uuid = json.get("uuid");
        if (uuid == null || !uuid.isTextual()) {
            throw new Refused("uuid", "uuid (the sender's id) is required and must be a string");
        }
        if (!SOURCE.matcher(uuid.asText()).matches()) {
            // checked here, not only by the store: a store that fails first would have its error logged with
            // the caller's text in it (newlines forging log lines, megabytes of it)
            throw new Refused("source", "source must be letters, digits, '.' and '-', starting with a letter or digit, at most 128 characters");
        }
        if (!json.has("data")) {
            throw new Refused("data", "data is required");
        }
        Optional<Instant> measured = Optional.empty();
        Optional<String> tsText = Optional.empty();
        JsonNode ts = json.get("timestamp");
        if (ts != null && !ts.isNull()) {
            measured = parseTimestamp(ts);
            if (measured.isEmpty()) {
                throw new Refused("timestamp", "timestamp must be epoch seconds (\"1593338576.5624585\") or an ISO-8601 instant");
            }
            tsText = Optional.of(ts.asText());
        }
        String requestId;
        JsonNode id = json.get("id");
        if (id != null && !id.isNull()) {
            if (!id.isValueNode()) {
                throw new Refused("id", "id must be a string or a number");
            }
            requestId = id.asText();
        } else if (measured.isPresent()) {
            requestId = uuid.asText() + "|" + ts.asText();
        } else {
            requestId = java.util.UUID.randomUUID().toString();
        }
        return new Parsed(requestId, uuid.asText(), json.get("data"), measured, tsText);
    }

    static Optional<Instant> parseTimestamp(JsonNode ts) {
        try {
            String s = ts.asText().trim();
            if (s.length() > 40) {
                return Optional.empty();
            }
            BigDecimal d = null;
            if (ts.isNumber()) {
                d = ts.decimalValue();
            } else if (s.matches("\\d{1,12}(\\.\\d{1,9})?")) {
                d = new BigDecimal(s);
            }
            if (d != null) {
                if (d.signum() < 0 || d.compareTo(BigDecimal.valueOf(1_000_000_000_000L)) >= 0) {
                    return Optional.empty();
                }
                long seconds = d.longValue();
                long nanos = d.subtract(BigDecimal.valueOf(seconds)).movePointRight(9).longValue();
                return Optional.of(Instant.ofEpochSecond(seconds, nanos));
            }
            return Optional.of(Instant.parse(s));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private Reply latest() {
        Optional<StoredRecord> last;
        try {
            last = store.latest();
        } catch (IOException | RuntimeException e) {
            log.error("records http: could not read the latest record: {}", e.toString());
            return error(500, "could not read the latest record");
        }
        if (last.isEmpty()) {
            return fail(404, "records", "no records stored");
        }
        ObjectNode data = MAPPER.createObjectNode();
        data.put("filename", last.get().fileName());
        data.put("source", last.get().source());
        data.put("timestamp", last.get().timestamp().getEpochSecond() + "." + String.format("%06d", last.get().timestamp().getNano() / 1000));
        data.set("content", last.get().data());
        return success(200, data);
    }

    public static Reply success(int status, JsonNode data) {
        ObjectNode o = MAPPER.createObjectNode().put("status", "success");
        o.set("data", data);
        return Reply.of(status, o);
    }

    public static Reply fail(int status, String field, String message) {
        return fail(status, Map.of(), field, message);
    }

    public static Reply fail(int status, Map<String, String> headers, String field, String message) {
        ObjectNode o = MAPPER.createObjectNode().put("status", "fail");
        o.putObject("data").put(field, message);
        return Reply.of(status, headers, o);
    }

    public static Reply error(int status, String message) {
        return error(status, Map.of(), message);
    }

    public static Reply error(int status, Map<String, String> headers, String message) {
        return Reply.of(status, headers, MAPPER.createObjectNode().put("status", "error").put("message", message));
    }
}
