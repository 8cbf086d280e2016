package dev.outpost.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.Json;
import java.util.Map;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine;

/** Builds a request's params from {@code --params-json} and {@code --param k=v} (later wins). */
public final class Params {
    private Params() {}

    /**
     * A {@code --param} value is JSON when it parses as a number, a boolean, null, an object or an
     * array, and a string otherwise ({@code --param path=/var} is the string "/var",
     * {@code --param count=3} the number 3; quote to force a string: {@code --param id='"3"'}).
     */
    public static ObjectNode of(CommandLine cmd, String json, Map<String, String> pairs) {
        ObjectNode params = Json.object();
        if (json != null) {
            JsonNode parsed;
            try {
                parsed = Json.parse(json);
            } catch (RuntimeException e) {
                throw new ParameterException(cmd, "--params-json is not valid JSON: " + e.getMessage());
            }
            if (!parsed.isObject()) {
                throw new ParameterException(cmd, "--params-json must be a JSON object, was " + parsed.getNodeType());
            }
            params.setAll((ObjectNode) parsed);
        }
        if (pairs != null) {
            pairs.forEach((k, v) -> params.set(k, value(v)));
        }
        return params;
    }

    private static JsonNode value(String v) {
        try {
            JsonNode n = Json.parse(v);
            if (n.isNumber() || n.isBoolean() || n.isNull() || n.isContainerNode() || n.isTextual()) {
                return n;
            }
        } catch (RuntimeException e) {
            // not JSON: a plain string
        }
        return Json.object().textNode(v);
    }
}
