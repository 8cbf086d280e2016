package dev.outpost.ops.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.ops.Observation;
import dev.outpost.ops.Rule;
import java.util.Map;
import java.util.TreeMap;

/** A rule's action filled from an observation: as stored JSON (what an undo keeps), read back, and described. */
public final class Actions {
    private Actions() {}

    /** The action with its templates filled, as stored JSON. */
    public static ObjectNode resolved(Rule.Action a, Rule r, Observation o) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("kind", a.kind().name());
        n.put("collector", a.collector());
        n.put("target", Templates.fillSelector(a.target(), o.host(), r.name(), o.result()));
        ObjectNode p = n.putObject("params");
        a.params().forEach((k, v) -> p.put(k, Templates.fill(v, o.host(), r.name(), o.result(), false)));
        n.put("key", Templates.fill(a.key(), o.host(), r.name(), o.result(), true));
        n.put("message", Templates.fill(a.message(), o.host(), r.name(), o.result(), false));
        return n;
    }

    /** What an undo stores: its rule, the host it acts for, when it is due, and its action (from {@link #resolved}). */
    public static ObjectNode undoRecord(String rule, String host, java.time.Instant due, ObjectNode action) {
        ObjectNode rec = JsonNodeFactory.instance.objectNode().put("rule", rule).put("host", host).put("due", due.toString());
        rec.set("action", action);
        return rec;
    }

    /** An action stored by {@link #resolved}, read back. */
    public static Rule.Action fromStored(JsonNode n) {
        Map<String, String> params = new TreeMap<>();
        n.path("params").fields().forEachRemaining(e -> params.put(e.getKey(), e.getValue().asText()));
        return new Rule.Action(Rule.Kind.valueOf(n.path("kind").asText()), n.path("collector").asText(),
                n.path("target").asText("self"), params, n.path("key").asText(), n.path("message").asText());
    }

    /** The action, filled, in a few words for a notification. */
    public static String describe(Rule.Action a, Rule r, Observation o) {
        ObjectNode n = resolved(a, r, o);
        return switch (a.kind()) {
            case CALL -> "call " + a.collector() + " on " + n.path("target").asText() + " with " + n.path("params");
            case REGISTRY -> "write " + n.path("key").asText() + " = " + n.path("params");
            case NOTIFY -> "notify " + n.path("message").asText();
        };
    }

    /** A stored action (from {@link #resolved}) in a few words, its values from hosts made printable. */
    public static String describeStored(JsonNode n) {
        String key = Text.oneLine(n.path("key").asText());
        String params = Text.oneLine(Text.clip(n.path("params").toString(), 500));
        return switch (n.path("kind").asText()) {
            case "CALL" -> "call " + Text.oneLine(n.path("collector").asText()) + " on " + Text.oneLine(n.path("target").asText("self"))
                    + " with " + params;
            case "REGISTRY" -> n.path("params").isEmpty() ? "delete " + key : "write " + key + " = " + params;
            default -> Text.oneLine(Text.clip(n.toString(), 500));
        };
    }
}
