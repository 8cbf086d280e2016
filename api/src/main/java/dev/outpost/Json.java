package dev.outpost;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Optional;

/**
 * JSON helpers for collectors and callers, with the same settings the worker uses: unknown fields
 * are tolerated, {@code java.time} values and {@code Optional}s serialise as a user expects, dates
 * as ISO-8601 text. This is the project's one JSON configuration: Outpost's own modules read and
 * write JSON with {@link #reader()}, {@link #writer()} or a mapper from {@link #newMapper()}, never
 * with a bare {@code new ObjectMapper()}.
 *
 * <pre>{@code
 * JsonNode schema = Json.parse("{\"type\": \"object\"}");
 * Uptime.Result result = Json.convert(response.result().orElseThrow(), Uptime.Result.class);
 * }</pre>
 */
public final class Json {
    /** Never handed out: a mapper is mutable; readers and writers are not. */
    private static final JsonMapper MAPPER = newMapper();
    private static final ObjectReader READER = MAPPER.reader();
    private static final ObjectWriter WRITER = MAPPER.writer();
    private static final ObjectNode ANY_OBJECT = (ObjectNode) parse("{\"type\":\"object\"}");

    private Json() {}

    /**
     * A new mapper with the project's settings (unknown fields tolerated, {@code java.time} and
     * {@code Optional} support, dates as ISO-8601 text), for a module that needs to add its own
     * limits or node factory. Each call returns a fresh mapper, so configuring it changes nothing
     * else.
     */
    public static JsonMapper newMapper() {
        return JsonMapper.builder()
                .addModule(new Jdk8Module())
                .addModule(new JavaTimeModule())
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .build();
    }

    /** The shared, immutable reader with the project's settings ({@code reader().readTree(bytes)}, {@code forType(...)}). */
    public static ObjectReader reader() {
        return READER;
    }

    /** The shared, immutable writer with the project's settings ({@code writer().writeValueAsBytes(value)}). */
    public static ObjectWriter writer() {
        return WRITER;
    }

    /**
     * Parses JSON text.
     *
     * @throws IllegalArgumentException when the text is not JSON
     */
    public static JsonNode parse(String json) {
        try {
            return READER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Converts a value (a record, map, list, string, number…) to a JSON tree.
     *
     * @throws IllegalArgumentException when the value cannot be serialised
     */
    public static JsonNode toTree(Object value) {
        JsonNode plain = PlainValues.toTree(value);
        return plain != null ? plain : MAPPER.valueToTree(value);
    }

    /**
     * {@link #toTree}, built read-only: every mutator of the tree throws
     * {@link UnsupportedOperationException}. That is the form {@link Request} and {@link Response}
     * keep their params and results in, so a document built from this tree keeps it as it is
     * instead of copying it. A collector returning a value has it converted this way.
     *
     * @throws IllegalArgumentException when the value cannot be serialised
     */
    public static JsonNode toReadOnlyTree(Object value) {
        if (value == null) {
            return NullNode.getInstance();
        }
        if (value instanceof JsonNode node) {
            return ReadOnlyTrees.of(node); // itself when read-only already: no copy
        }
        JsonNode plain = PlainValues.toReadOnlyTree(value);
        return plain != null ? plain : ReadOnlyTrees.of(MAPPER.valueToTree(value));
    }

    /**
     * Reads the JSON value at the parser's current token (the token it has just returned), up to
     * the value's last token, into a read-only tree: the form {@link Request} and {@link Response}
     * keep without copying, for codecs that read documents token by token. Empty when the value is
     * not plain JSON data: an object with a repeated key, a number that is not finite, a token that
     * JSON text does not have. The parser's own limits (nesting depth, lengths) apply.
     *
     * @throws IOException what the parser throws on malformed input
     */
    public static Optional<JsonNode> readReadOnlyTree(JsonParser parser) throws IOException {
        return Optional.ofNullable(ReadOnlyTrees.read(parser, parser.currentToken()));
    }

    /**
     * Converts a JSON tree to {@code type}.
     *
     * @throws IllegalArgumentException when the tree does not fit the type
     */
    public static <T> T convert(JsonNode node, Class<T> type) {
        try {
            return READER.treeToValue(node, type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot read " + type.getSimpleName() + " from JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** A new, empty JSON object. */
    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    /** A new, empty JSON array. */
    public static ArrayNode array() {
        return JsonNodeFactory.instance.arrayNode();
    }

    /** A schema that accepts any JSON object. */
    public static JsonNode anyObjectSchema() {
        return ANY_OBJECT.deepCopy();
    }
}
