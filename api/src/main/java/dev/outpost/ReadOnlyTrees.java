package dev.outpost;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Read-only JSON trees for the documents' params and results: copied once when a document is
 * built, then handed out as they are (no copy per read). Every mutator throws
 * {@link UnsupportedOperationException}; {@code deepCopy()} gives an ordinary mutable tree.
 */
final class ReadOnlyTrees {
    private ReadOnlyTrees() {}

    private static final class ReadOnlyObject extends ObjectNode {
        private static final long serialVersionUID = 1L;

        ReadOnlyObject(Map<String, JsonNode> children) {
            super(JsonNodeFactory.instance, Collections.unmodifiableMap(children));
        }
    }

    private static final class ReadOnlyArray extends ArrayNode {
        private static final long serialVersionUID = 1L;

        ReadOnlyArray(List<JsonNode> children) {
            super(JsonNodeFactory.instance, Collections.unmodifiableList(children));
        }
    }

    /** {@code node} itself when already read-only, else a read-only copy. */
    static ObjectNode of(ObjectNode node) {
        if (node instanceof ReadOnlyObject) {
            return node;
        }
        Map<String, JsonNode> children = new LinkedHashMap<>(Math.max(4, (int) (node.size() / 0.75f) + 1));
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
            List<JsonNode> children = new ArrayList<>(a.size());
            for (JsonNode element : a) {
                children.add(of(element));
            }
            return new ReadOnlyArray(children);
        }
        return node;
    }
}
