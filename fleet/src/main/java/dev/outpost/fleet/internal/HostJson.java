package dev.outpost.fleet.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.fleet.HostRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/** The inventory entry's JSON form, read as hostile input (a registry may hold anything). */
public final class HostJson {
    /** Bounds on what one host may claim, so one entry cannot cost a selector pass much. */
    public static final int MAX_FACTS = 256;
    public static final int MAX_TAGS = 64;
    public static final int MAX_COLLECTORS = 256;
    public static final int MAX_FACT_KEY = 128;
    public static final int MAX_VALUE = 256;
    private static final int MAX_DEPTH = 8;

    private HostJson() {}

    public static ObjectNode write(HostRecord h) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("v", 1);
        o.put("id", h.id());
        o.put("requests", h.requests());
        ArrayNode c = o.putArray("collectors");
        h.collectors().forEach(c::add);
        ArrayNode t = o.putArray("tags");
        h.tags().forEach(t::add);
        ObjectNode f = o.putObject("facts");
        h.facts().forEach(f::put);
        o.put("startedAt", h.startedAt().toString());
        return o;
    }

    /** The record, or empty when the entry is not one (skipped by discovery, never thrown). */
    public static Optional<HostRecord> read(JsonNode n) {
        try {
            if (n == null || !n.isObject()) {
                return Optional.empty();
            }
            List<String> collectors = strings(n.get("collectors"), MAX_COLLECTORS);
            Set<String> tags = new LinkedHashSet<>(strings(n.get("tags"), MAX_TAGS));
            Map<String, String> facts = new TreeMap<>();
            JsonNode f = n.get("facts");
            if (f != null && f.isObject()) {
                Iterator<Map.Entry<String, JsonNode>> it = f.fields();
                while (it.hasNext() && facts.size() < MAX_FACTS) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (e.getValue().isValueNode() && e.getKey().length() <= MAX_FACT_KEY) {
                        facts.put(e.getKey(), clip(e.getValue().asText()));
                    }
                }
            }
            String requests = n.path("requests").asText();
            if (requests.chars().anyMatch(Character::isISOControl)) {
                return Optional.empty(); // no queue has such a name: it would be sent to, and quoted in logs and chats
            }
            return Optional.of(new HostRecord(n.path("id").asText(), clip(requests), collectors,
                    tags, facts, Instant.parse(n.path("startedAt").asText())));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Facts as a collector returned them, flattened to dotted keys, bounded in count, depth and size. */
    public static Map<String, String> flatten(JsonNode node) {
        Map<String, String> out = new TreeMap<>();
        flatten("", node, 0, out);
        return out;
    }

    private static void flatten(String prefix, JsonNode n, int depth, Map<String, String> out) {
        if (n == null || n.isNull() || out.size() >= MAX_FACTS || depth > MAX_DEPTH || prefix.length() > MAX_FACT_KEY) {
            return;
        }
        if (n.isValueNode()) {
            if (!prefix.isEmpty()) {
                out.put(prefix, clip(n.asText()));
            }
        } else if (n.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = n.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), depth + 1, out);
            }
        } else if (n.isArray()) {
            boolean scalars = true;
            for (JsonNode x : n) {
                scalars &= x.isValueNode();
            }
            if (scalars && !prefix.isEmpty()) {
                List<String> parts = new ArrayList<>();
                n.forEach(x -> parts.add(x.asText()));
                out.put(prefix, clip(String.join(",", parts)));
            } else {
                for (int i = 0; i < n.size(); i++) {
                    flatten(prefix + "." + i, n.get(i), depth + 1, out);
                }
            }
        }
    }

    private static List<String> strings(JsonNode n, int max) {
        List<String> out = new ArrayList<>();
        if (n != null && n.isArray()) {
            for (JsonNode x : n) {
                if (out.size() >= max) {
                    break;
                }
                if (x.isTextual()) {
                    out.add(clip(x.asText()));
                }
            }
        }
        return out;
    }

    private static String clip(String s) {
        return s.length() > MAX_VALUE ? s.substring(0, MAX_VALUE) : s;
    }
}
