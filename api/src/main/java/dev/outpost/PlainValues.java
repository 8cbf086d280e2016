package dev.outpost;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tree Jackson's {@code valueToTree} builds for the plain values collectors most often return
 * (maps with string keys, lists, strings, booleans, ints, longs, finite doubles, null, from
 * {@code java.util}), built directly: Jackson's route serialises to a token buffer and reads it
 * back. Anything else returns {@code null} and goes to Jackson.
 */
final class PlainValues {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final int MAX_DEPTH = 64;

    private PlainValues() {}

    /** The tree for {@code value}, or null when Jackson must decide. */
    static JsonNode toTree(Object value) {
        return value == null ? null : tree(value, 0, false);
    }

    /** The tree for {@code value} built read-only (no copy when a document keeps it), or null when Jackson must decide. */
    static JsonNode toReadOnlyTree(Object value) {
        return value == null ? null : tree(value, 0, true);
    }

    private static JsonNode tree(Object value, int depth, boolean readOnly) {
        if (value == null) {
            return F.nullNode();
        }
        if (value instanceof String s) {
            return F.textNode(s);
        }
        if (value instanceof Boolean b) {
            return F.booleanNode(b);
        }
        if (value instanceof Integer i) {
            return F.numberNode(i.intValue());
        }
        if (value instanceof Long l) {
            return F.numberNode(l.longValue());
        }
        if (value instanceof Double d) {
            return Double.isFinite(d) ? F.numberNode(d.doubleValue()) : null;
        }
        if (depth >= MAX_DEPTH || !value.getClass().getName().startsWith("java.util.")) {
            return null;
        }
        if (value instanceof Map<?, ?> map) {
            LinkedHashMap<String, JsonNode> out = new LinkedHashMap<>(ReadOnlyTrees.capacity(map.size()));
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof String key)) {
                    return null;
                }
                JsonNode v = tree(e.getValue(), depth + 1, readOnly);
                if (v == null) {
                    return null;
                }
                out.put(key, v);
            }
            return readOnly ? ReadOnlyTrees.adopt(out) : new ObjectNode(F, out);
        }
        if (value instanceof List<?> list) {
            ArrayList<JsonNode> out = new ArrayList<>(list.size());
            for (Object element : list) {
                JsonNode v = tree(element, depth + 1, readOnly);
                if (v == null) {
                    return null;
                }
                out.add(v);
            }
            return readOnly ? ReadOnlyTrees.adopt(out) : new ArrayNode(F, out);
        }
        return null;
    }
}
