package dev.outpost.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;
import org.json.JSONArray;
import org.json.JSONObject;

/** Converts Jackson trees to the org.json values everit validates, without printing and re-parsing. */
public final class OrgJson {
    private OrgJson() {}

    /** The org.json value for {@code node}: JSONObject, JSONArray, a boxed scalar, or JSONObject.NULL. */
    public static Object convert(JsonNode node) {
        switch (node.getNodeType()) {
            case OBJECT: {
                JSONObject out = new JSONObject();
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    out.put(e.getKey(), convert(e.getValue()));
                }
                return out;
            }
            case ARRAY: {
                JSONArray out = new JSONArray();
                for (JsonNode element : node) {
                    out.put(convert(element));
                }
                return out;
            }
            case STRING:
                return node.textValue();
            case NUMBER:
                return node.numberValue();
            case BOOLEAN:
                return node.booleanValue();
            case BINARY:
                return node.asText();
            default:
                return JSONObject.NULL;
        }
    }
}
