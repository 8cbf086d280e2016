package dev.outpost.core.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outpost.ErrorInfo;
import dev.outpost.Json;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.core.internal.Rfc3339;
import dev.outpost.core.internal.Timestamps;
import java.time.Instant;
import java.util.Optional;

/**
 * A response read straight from the parser's tokens, for the common case (what a worker writes):
 * every field known, of the type and within the limits the response schema sets, none twice, a
 * result exactly when the status is ok and an error of exactly {@code code} and {@code message}
 * otherwise, nothing after the document. Anything else returns {@code null}, and the tree path,
 * with the schema check and its messages, decides. So what this accepts, the tree path accepts the
 * same way (a fleet caller reads one answer per host: this is its per-answer cost).
 */
final class FastResponse {
    private static final Rfc3339 DATE_TIME = new Rfc3339();
    private static final int V = 1;
    private static final int REQUEST_ID = 2;
    private static final int COLLECTOR = 4;
    private static final int TARGET = 8;
    private static final int STATUS = 16;
    private static final int RESULT = 32;
    private static final int ERROR = 64;
    private static final int WORKER = 128;
    private static final int ATTEMPT = 256;
    private static final int STARTED_AT = 512;
    private static final int FINISHED_AT = 1024;
    private static final int REQUIRED = V | REQUEST_ID | COLLECTOR | STATUS | WORKER | ATTEMPT | STARTED_AT | FINISHED_AT;

    private FastResponse() {}

    /** The response, or null when the tree path must decide. */
    static Response read(ObjectMapper mapper, byte[] body) {
        try (JsonParser p = mapper.getFactory().createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            int seen = 0;
            int v = 0;
            String requestId = null;
            String collector = null;
            Optional<String> target = Optional.empty();
            ResponseStatus status = null;
            JsonNode result = null;
            ErrorInfo error = null;
            String worker = null;
            int attempt = 0;
            Instant startedAt = null;
            Instant finishedAt = null;
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                int field = switch (name) {
                    case "v" -> V;
                    case "requestId" -> REQUEST_ID;
                    case "collector" -> COLLECTOR;
                    case "target" -> TARGET;
                    case "status" -> STATUS;
                    case "result" -> RESULT;
                    case "error" -> ERROR;
                    case "worker" -> WORKER;
                    case "attempt" -> ATTEMPT;
                    case "startedAt" -> STARTED_AT;
                    case "finishedAt" -> FINISHED_AT;
                    default -> 0;
                };
                if (field == 0 || (seen & field) != 0) {
                    return null;
                }
                seen |= field;
                switch (field) {
                    case V, ATTEMPT -> {
                        if (value != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT
                                || p.getIntValue() < 1) {
                            return null;
                        }
                        if (field == V) {
                            v = p.getIntValue();
                        } else {
                            attempt = p.getIntValue();
                        }
                    }
                    case REQUEST_ID, COLLECTOR -> {
                        String s = FastRequest.string(p, value, 1, 128);
                        if (s == null) {
                            return null;
                        }
                        if (field == REQUEST_ID) {
                            requestId = s;
                        } else {
                            collector = s;
                        }
                    }
                    case TARGET, WORKER -> {
                        if (value != JsonToken.VALUE_STRING) {
                            return null;
                        }
                        if (field == TARGET) {
                            target = Optional.of(p.getText());
                        } else {
                            worker = p.getText();
                        }
                    }
                    case STATUS -> {
                        if (value != JsonToken.VALUE_STRING) {
                            return null;
                        }
                        status = switch (p.getText()) {
                            case "ok" -> ResponseStatus.OK;
                            case "error" -> ResponseStatus.ERROR;
                            case "rejected" -> ResponseStatus.REJECTED;
                            default -> null;
                        };
                        if (status == null) {
                            return null;
                        }
                    }
                    case RESULT -> {
                        if (value != JsonToken.START_OBJECT && value != JsonToken.START_ARRAY) {
                            return null;
                        }
                        // read from the tokens as the tree reader would, without a deserialization context per reply, and read-only (no copy);
                        // null (a repeated key, a non-finite number) leaves it to the tree path
                        result = Json.readReadOnlyTree(p).orElse(null);
                        if (result == null) {
                            return null;
                        }
                    }
                    case ERROR -> {
                        error = error(p, value);
                        if (error == null) {
                            return null;
                        }
                    }
                    default -> { // STARTED_AT, FINISHED_AT
                        String s = value == JsonToken.VALUE_STRING ? p.getText() : null;
                        Instant at = s == null ? null : Timestamps.parseCanonical(s); // the usual form: one pass
                        if (at == null) {
                            if (s == null || DATE_TIME.validate(s).isPresent()) {
                                return null;
                            }
                            at = Timestamps.parse(s);
                        }
                        if (field == STARTED_AT) {
                            startedAt = at;
                        } else {
                            finishedAt = at;
                        }
                    }
                }
            }
            if (t != JsonToken.END_OBJECT || (seen & REQUIRED) != REQUIRED || p.nextToken() != null) {
                return null;
            }
            // the schema's if/then/else, and what the tree path builds: a result alone when ok, an error alone otherwise
            boolean ok = status == ResponseStatus.OK;
            if (ok ? result == null || error != null : error == null || result != null) {
                return null;
            }
            return new Response(v, requestId, collector, target, status, Optional.ofNullable(result), Optional.ofNullable(error),
                    worker, attempt, startedAt, finishedAt);
        } catch (Exception e) { // the tree path reads it again and words the refusal
            return null;
        }
    }

    /** {@code {"code": string, "message": string}}, each once and nothing else; else null. */
    private static ErrorInfo error(JsonParser p, JsonToken value) throws java.io.IOException {
        if (value != JsonToken.START_OBJECT) {
            return null;
        }
        String code = null;
        String message = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                return null;
            }
            if ("code".equals(key) && code == null) {
                code = p.getText();
            } else if ("message".equals(key) && message == null) {
                message = p.getText();
            } else {
                return null;
            }
        }
        return code == null || message == null ? null : new ErrorInfo(code, message);
    }
}
