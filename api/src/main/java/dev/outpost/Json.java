package dev.outpost;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.internal.Mapper;

/**
 * JSON helpers for collectors and callers, with the same settings the worker uses: unknown fields
 * are tolerated, {@code java.time} values and {@code Optional}s serialise as a user expects, dates
 * as ISO-8601 text.
 *
 * <pre>{@code
 * JsonNode schema = Json.parse("{\"type\": \"object\"}");
 * Uptime.Result result = Json.convert(response.result().orElseThrow(), Uptime.Result.class);
 * }</pre>
 */
public final class Json {
    private static final ObjectNode ANY_OBJECT = (ObjectNode) parse("{\"type\":\"object\"}");

    private Json() {}

    /**
     * Parses JSON text.
     *
     * @throws IllegalArgumentException when the text is not JSON
     */
    public static JsonNode parse(String json) {
        try {
            return Mapper.SHARED.readTree(json);
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
        return Mapper.SHARED.valueToTree(value);
    }

    /**
     * Converts a JSON tree to {@code type}.
     *
     * @throws IllegalArgumentException when the tree does not fit the type
     */
    public static <T> T convert(JsonNode node, Class<T> type) {
        try {
            return Mapper.SHARED.treeToValue(node, type);
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
