package dev.outpost;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Read-only JSON trees for the documents' params and results: copied once when a document is
 * built, then handed out as they are (no copy per read). Every mutator throws
 * {@link UnsupportedOperationException}; {@code deepCopy()} gives an ordinary mutable tree. A tree
 * built read-only from the start (parsed by {@link #read}, converted by {@link PlainValues}) is
 * not copied at all: nobody else ever held its maps.
 */
final class ReadOnlyTrees {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private ReadOnlyTrees() {}

    private static final class ReadOnlyObject extends ObjectNode {
        private static final long serialVersionUID = 1L;

        ReadOnlyObject(Map<String, JsonNode> children) {
            super(F, Collections.unmodifiableMap(children));
        }
    }

    private static final class ReadOnlyArray extends ArrayNode {
        private static final long serialVersionUID = 1L;

        ReadOnlyArray(List<JsonNode> children) {
            super(F, Collections.unmodifiableList(children));
        }
    }

    /** A read-only object over {@code children}, which the caller built and hands over (nobody else may hold it). */
    static ObjectNode adopt(LinkedHashMap<String, JsonNode> children) {
        return new ReadOnlyObject(children);
    }

    /** A read-only array over {@code children}, which the caller built and hands over (nobody else may hold it). */
    static ArrayNode adopt(ArrayList<JsonNode> children) {
        return new ReadOnlyArray(children);
    }

    /** {@code node} itself when already read-only, else a read-only copy. */
    static ObjectNode of(ObjectNode node) {
        if (node instanceof ReadOnlyObject) {
            return node;
        }
        LinkedHashMap<String, JsonNode> children = new LinkedHashMap<>(capacity(node.size()));
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            children.put(e.getKey(), of(e.getValue()));
        }
        return new ReadOnlyObject(children);
    }

    /** Value nodes are immutable already; containers are copied read-only (unless they are). */
    static JsonNode of(JsonNode node) {
        if (node instanceof ObjectNode o) {
            return of(o);
        }
        if (node instanceof ArrayNode a) {
            if (a instanceof ReadOnlyArray) {
                return a;
            }
            ArrayList<JsonNode> children = new ArrayList<>(a.size());
            for (JsonNode element : a) {
                children.add(of(element));
            }
            return new ReadOnlyArray(children);
        }
        return node;
    }

    /** A map capacity that holds {@code size} entries without growing. */
    static int capacity(int size) {
        return Math.max(4, (int) (size / 0.75f) + 1);
    }

    /**
     * The value whose first token {@code t} the parser has just returned, read to its end into a
     * read-only tree; null when it is not plain JSON data (a repeated key, a non-finite number, an
     * embedded object). The nodes are those Jackson's tree reader makes with its default factory.
     */
    static JsonNode read(JsonParser p, JsonToken t) throws IOException {
        if (t == null) {
            return null;
        }
        return switch (t) {
            case START_OBJECT -> {
                LinkedHashMap<String, JsonNode> children = new LinkedHashMap<>();
                JsonToken next;
                while ((next = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    JsonNode v = read(p, p.nextToken());
                    if (v == null || children.put(key, v) != null) {
                        yield null;
                    }
                }
                yield next == JsonToken.END_OBJECT ? new ReadOnlyObject(children) : null;
            }
            case START_ARRAY -> {
                ArrayList<JsonNode> children = new ArrayList<>();
                JsonToken next;
                while ((next = p.nextToken()) != JsonToken.END_ARRAY) {
                    JsonNode v = read(p, next);
                    if (v == null) {
                        yield null;
                    }
                    children.add(v);
                }
                yield new ReadOnlyArray(children);
            }
            case VALUE_STRING -> F.textNode(p.getText());
            case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                case INT -> F.numberNode(p.getIntValue());
                case LONG -> F.numberNode(p.getLongValue());
                default -> F.numberNode(p.getBigIntegerValue());
            };
            case VALUE_NUMBER_FLOAT -> {
                double d = p.getDoubleValue();
                yield Double.isFinite(d) ? F.numberNode(d) : null;
            }
            case VALUE_TRUE -> F.booleanNode(true);
            case VALUE_FALSE -> F.booleanNode(false);
            case VALUE_NULL -> F.nullNode();
            default -> null;
        };
    }
}
