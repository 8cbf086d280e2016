package dev.outpost.ops.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.ops.Server;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** Reads host entries written at {@code fleet/hosts/ID}; hostile values are bounded or skipped. */
public final class HostEntries {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:@-]{1,200}");
    private static final int MAX_ITEMS = 256;
    private static final int MAX_TEXT = 256;

    private HostEntries() {}

    public static boolean validId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    public static Optional<Server> read(JsonNode n) {
        if (n == null || !n.isObject() || !validId(n.path("id").asText(null))) {
            return Optional.empty();
        }
        String requests = n.path("requests").asText("");
        if (requests.isEmpty() || requests.length() > MAX_TEXT) {
            return Optional.empty();
        }
        Map<String, String> facts = new TreeMap<>();
        JsonNode f = n.get("facts");
        if (f != null && f.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = f.fields();
            while (it.hasNext() && facts.size() < MAX_ITEMS) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue().isValueNode() && e.getKey().length() <= MAX_TEXT) {
                    facts.put(e.getKey(), Text.clip(e.getValue().asText(), MAX_TEXT));
                }
            }
        }
        return Optional.of(new Server(n.get("id").asText(), requests, strings(n.get("collectors")),
                new TreeSet<>(strings(n.get("tags"))), new TreeMap<>(facts)));
    }

    private static List<String> strings(JsonNode a) {
        List<String> out = new ArrayList<>();
        if (a != null && a.isArray()) {
            for (JsonNode x : a) {
                if (out.size() >= MAX_ITEMS) {
                    break;
                }
                if (x.isTextual() && !x.asText().isEmpty() && x.asText().length() <= MAX_TEXT) {
                    out.add(x.asText());
                }
            }
        }
        return out;
    }
}
