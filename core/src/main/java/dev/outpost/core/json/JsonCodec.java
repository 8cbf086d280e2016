package dev.outpost.core.json;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NumericNode;
import com.fasterxml.jackson.databind.node.ValueNode;
import dev.outpost.Json;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.JsonGeneratorDelegate;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.ErrorInfo;
import dev.outpost.RejectReason;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.core.internal.Timestamps;
import dev.outpost.spi.Codec;
import dev.outpost.spi.CodecException;
import dev.outpost.spi.Decoded;
import dev.outpost.spi.Sender;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The innermost codec: request and response documents as UTF-8 JSON, checked against the
 * schemas shipped in {@code dev/outpost/schema/}. Unknown fields are ignored so that newer
 * clients and older workers can coexist. Thread-safe.
 *
 * <p>Limits that hold whatever the schema says: documents nest at most {@value #MAX_DEPTH} levels
 * (params and results {@value #MAX_DEPTH} minus one), and numbers must be finite ({@code 1e999}
 * is refused as {@code undecodable} rather than read as infinity; params holding NaN or an
 * infinity cannot be encoded, and such a result is answered as {@code unencodable-result}). A result nested deeper cannot
 * be encoded and is answered as an {@code unencodable-result} error.
 */
public final class JsonCodec implements Codec {
    private static final JsonSchema REQUEST_SCHEMA = JsonSchema.ofResource(JsonCodec.class, "/dev/outpost/schema/request.schema.json");
    private static final JsonSchema RESPONSE_SCHEMA = JsonSchema.ofResource(JsonCodec.class, "/dev/outpost/schema/response.schema.json");
    private static final int MAX_REPORTED_VIOLATIONS = 5;
    /** How deep a document may nest, counting the document itself. */
    public static final int MAX_DEPTH = 64;
    private static final ObjectMapper MAPPER = Json.newMapper()
            .setNodeFactory(new FiniteNodeFactory());

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build());
        MAPPER.getFactory().setStreamWriteConstraints(StreamWriteConstraints.builder().maxNestingDepth(MAX_DEPTH).build());
    }

    /** Builds trees like Jackson's default factory but refuses non-finite numbers (what {@code 1e999} parses to). */
    private static final class FiniteNodeFactory extends JsonNodeFactory {
        private static final long serialVersionUID = 1L;

        @Override
        public NumericNode numberNode(double v) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("numbers must be finite");
            }
            return super.numberNode(v);
        }

        @Override
        public ValueNode numberNode(Double v) {
            if (v != null && !Double.isFinite(v)) {
                throw new IllegalArgumentException("numbers must be finite");
            }
            return super.numberNode(v);
        }

        @Override
        public NumericNode numberNode(float v) {
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("numbers must be finite");
            }
            return super.numberNode(v);
        }
    }

    /**
     * Refuses to write NaN or an infinity: JSON has neither, and Jackson would write the string
     * {@code "Infinity"}, which the other side reads as a string. A request is refused at the
     * caller; a result is answered as {@code unencodable-result}.
     */
    static final class FiniteNumbers extends JsonGeneratorDelegate {
        FiniteNumbers(JsonGenerator g) {
            super(g, false);
        }

        @Override
        public void writeNumber(double v) throws IOException {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("JSON numbers must be finite, was " + v + " (at " + pathHere() + ")");
            }
            super.writeNumber(v);
        }

        @Override
        public void writeNumber(float v) throws IOException {
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("JSON numbers must be finite, was " + v + " (at " + pathHere() + ")");
            }
            super.writeNumber(v);
        }

        private String pathHere() {
            return getOutputContext().pathAsPointer().toString();
        }
    }

    // Field names quoted and encoded once: the generator copies their bytes.
    private static final SerializedString F_V = new SerializedString("v");
    private static final SerializedString F_ID = new SerializedString("id");
    private static final SerializedString F_REQUEST_ID = new SerializedString("requestId");
    private static final SerializedString F_COLLECTOR = new SerializedString("collector");
    private static final SerializedString F_TARGET = new SerializedString("target");
    private static final SerializedString F_PARAMS = new SerializedString("params");
    private static final SerializedString F_REPLY_TO = new SerializedString("replyTo");
    private static final SerializedString F_SENT_AT = new SerializedString("sentAt");
    private static final SerializedString F_TTL = new SerializedString("ttl");
    private static final Duration MAX_TTL = Duration.ofMillis(Long.MAX_VALUE);
    private static final SerializedString F_ATTRIBUTES = new SerializedString("attributes");
    private static final SerializedString F_STATUS = new SerializedString("status");
    private static final SerializedString F_RESULT = new SerializedString("result");
    private static final SerializedString F_ERROR = new SerializedString("error");
    private static final SerializedString F_WORKER = new SerializedString("worker");
    private static final SerializedString F_ATTEMPT = new SerializedString("attempt");
    private static final SerializedString F_STARTED_AT = new SerializedString("startedAt");
    private static final SerializedString F_FINISHED_AT = new SerializedString("finishedAt");

    private final boolean validate;

    private JsonCodec(boolean validate) {
        this.validate = validate;
    }

    /** A codec that validates every decoded document against its schema. */
    public static JsonCodec create() {
        return new JsonCodec(true);
    }

    /**
     * A codec that only checks what it needs to build the records, skipping the full schema check.
     * For trusted, high-volume pipelines; the worker still validates collector params.
     */
    public static JsonCodec withoutSchemaValidation() {
        return new JsonCodec(false);
    }

    /** The request document's schema. */
    public static JsonSchema requestSchema() {
        return REQUEST_SCHEMA;
    }

    /** The response document's schema. */
    public static JsonSchema responseSchema() {
        return RESPONSE_SCHEMA;
    }

    @Override
    public byte[] encodeRequest(Request r) {
        return Generators.encode(MAPPER.getFactory(), g -> {
            g.writeStartObject();
            g.writeFieldName(F_V);
            g.writeNumber(r.v());
            g.writeFieldName(F_ID);
            g.writeString(r.id());
            g.writeFieldName(F_COLLECTOR);
            g.writeString(r.collector());
            if (r.target().isPresent()) {
                g.writeFieldName(F_TARGET);
                g.writeString(r.target().get());
            }
            g.writeFieldName(F_PARAMS);
            TreeWriter.write(g, r.params());
            if (r.replyTo().isPresent()) {
                g.writeFieldName(F_REPLY_TO);
                g.writeString(r.replyTo().get());
            }
            g.writeFieldName(F_SENT_AT);
            TreeWriter.writeInstant(g, r.sentAt());
            if (r.ttl().isPresent()) {
                g.writeFieldName(F_TTL);
                g.writeNumber(ttlMillis(r.ttl().get()));
            }
            if (!r.attributes().isEmpty()) {
                g.writeFieldName(F_ATTRIBUTES);
                g.writeStartObject();
                for (Map.Entry<String, String> e : r.attributes().entrySet()) {
                    g.writeStringField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
            }
            g.writeEndObject();
        });
    }

    /**
     * {@code ttl} in whole milliseconds, at least 1; one too long for a long of them is sent as the
     * longest (about 292 million years): for ever all the same, as the worker reads it.
     */
    static long ttlMillis(Duration ttl) {
        return ttl.compareTo(MAX_TTL) >= 0 ? Long.MAX_VALUE : Math.max(1, ttl.toMillis());
    }

    /** A node {@link TreeWriter} does not write itself: the mapper writes it, refusing non-finite numbers. */
    static void writeByMapper(JsonGenerator g, JsonNode n) throws IOException {
        MAPPER.writeTree(new FiniteNumbers(g), n);
    }

    @Override
    public Decoded<Request> decodeRequest(byte[] body) {
        Request fast = FastRequest.read(MAPPER, body);
        return fast != null ? Decoded.anonymous(fast) : decodeRequestTree(body);
    }

    /** The general path: the whole tree, the schema check and its messages. */
    Decoded<Request> decodeRequestTree(byte[] body) {
        ObjectNode doc = readObject(body, REQUEST_SCHEMA, "request", "params");
        // the schema bounds these from below only: a larger integer would be read as another number
        if (!doc.path("v").canConvertToInt() || doc.hasNonNull("ttl") && !doc.get("ttl").canConvertToLong()) {
            throw new CodecException(RejectReason.SCHEMA_INVALID, "invalid request: v must fit an int and ttl a long");
        }
        try {
            return Decoded.anonymous(new Request(
                    doc.path("v").asInt(),
                    text(doc, "id"),
                    text(doc, "collector"),
                    optionalText(doc, "target"),
                    doc.get("params") instanceof ObjectNode p ? p : Json.object(),
                    optionalText(doc, "replyTo"),
                    instant(doc, "sentAt"),
                    doc.hasNonNull("ttl") ? Optional.of(Duration.ofMillis(doc.get("ttl").asLong())) : Optional.empty(),
                    stringMap(doc.get("attributes"))));
        } catch (RuntimeException e) {
            throw new CodecException(RejectReason.SCHEMA_INVALID, "invalid request: " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] encodeResponse(Response r, Optional<Sender> recipient) {
        return Generators.encode(MAPPER.getFactory(), g -> {
            g.writeStartObject();
            g.writeFieldName(F_V);
            g.writeNumber(r.v());
            g.writeFieldName(F_REQUEST_ID);
            g.writeString(r.requestId());
            g.writeFieldName(F_COLLECTOR);
            g.writeString(r.collector());
            if (r.target().isPresent()) {
                g.writeFieldName(F_TARGET);
                g.writeString(r.target().get());
            }
            g.writeFieldName(F_STATUS);
            g.writeString(r.status().code());
            if (r.result().isPresent()) {
                g.writeFieldName(F_RESULT);
                TreeWriter.write(g, r.result().get());
            }
            if (r.error().isPresent()) {
                g.writeFieldName(F_ERROR);
                g.writeStartObject();
                g.writeStringField("code", r.error().get().code());
                g.writeStringField("message", r.error().get().message());
                g.writeEndObject();
            }
            g.writeFieldName(F_WORKER);
            g.writeString(r.worker());
            g.writeFieldName(F_ATTEMPT);
            g.writeNumber(r.attempt());
            g.writeFieldName(F_STARTED_AT);
            TreeWriter.writeInstant(g, r.startedAt());
            g.writeFieldName(F_FINISHED_AT);
            TreeWriter.writeInstant(g, r.finishedAt());
            g.writeEndObject();
        });
    }

    @Override
    public Decoded<Response> decodeResponse(byte[] body) {
        Response fast = FastResponse.read(MAPPER, body);
        return fast != null ? Decoded.anonymous(fast) : decodeResponseTree(body);
    }

    /** The general path: the whole tree, the schema check and its messages. */
    Decoded<Response> decodeResponseTree(byte[] body) {
        ObjectNode doc = readObject(body, RESPONSE_SCHEMA, "response", "result");
        try {
            JsonNode error = doc.get("error");
            ResponseStatus status = ResponseStatus.fromCode(text(doc, "status"));
            return Decoded.anonymous(new Response(
                    doc.path("v").asInt(),
                    text(doc, "requestId"),
                    text(doc, "collector"),
                    optionalText(doc, "target"),
                    status,
                    status == ResponseStatus.OK ? Optional.of(doc.get("result")) : Optional.empty(),
                    status == ResponseStatus.OK || error == null ? Optional.empty()
                            : Optional.of(new ErrorInfo(error.path("code").asText(), error.path("message").asText())),
                    text(doc, "worker"),
                    doc.path("attempt").asInt(),
                    instant(doc, "startedAt"),
                    instant(doc, "finishedAt")));
        } catch (RuntimeException e) {
            throw new CodecException(RejectReason.SCHEMA_INVALID, "invalid response: " + e.getMessage(), e);
        }
    }

    /**
     * Reads and validates a document. The envelope schemas leave {@code opaque} (params, result)
     * unconstrained beyond its type, so a shallow copy with it emptied is validated: the verdict is
     * the same and a large payload is not walked twice.
     */
    private ObjectNode readObject(byte[] body, JsonSchema schema, String what, String opaque) {
        JsonNode doc;
        try {
            doc = MAPPER.readTree(body);
        } catch (IOException | RuntimeException e) { // a non-finite number surfaces as an IllegalArgumentException
            throw new CodecException(RejectReason.UNDECODABLE, what + " is not JSON: " + firstLine(e.getMessage()));
        }
        if (!(doc instanceof ObjectNode object)) {
            throw new CodecException(RejectReason.SCHEMA_INVALID,
                    what + " must be a JSON object, was " + (doc == null ? "empty" : doc.getNodeType()));
        }
        if (validate && !schema.fastAccepts(object)) {
            JsonNode payload = object.get(opaque);
            ObjectNode envelope = object;
            if (payload != null && payload.isContainerNode() && payload.size() > 0) {
                envelope = object.objectNode();
                envelope.setAll(object);
                envelope.set(opaque, payload.isObject() ? envelope.objectNode() : envelope.arrayNode());
            }
            List<String> violations = schema.violations(envelope);
            if (!violations.isEmpty()) {
                throw new CodecException(RejectReason.SCHEMA_INVALID, what + " violates its schema: "
                        + String.join("; ", violations.subList(0, Math.min(MAX_REPORTED_VIOLATIONS, violations.size()))));
            }
        }
        return object;
    }

    private static String text(JsonNode doc, String field) {
        JsonNode n = doc.get(field);
        if (n == null || !n.isTextual()) {
            throw new IllegalArgumentException("'" + field + "' must be a string");
        }
        return n.textValue();
    }

    private static Optional<String> optionalText(JsonNode doc, String field) {
        JsonNode n = doc.get(field);
        return n == null || n.isNull() ? Optional.empty() : Optional.of(text(doc, field));
    }

    private static Instant instant(JsonNode doc, String field) {
        try {
            return Timestamps.parse(text(doc, field));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + field + "' is not an RFC 3339 date-time");
        }
    }

    private static Map<String, String> stringMap(JsonNode node) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException("'attributes' must be an object");
        }
        Map<String, String> out = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new IllegalArgumentException("attribute '" + e.getKey() + "' must be a string");
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return out;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
