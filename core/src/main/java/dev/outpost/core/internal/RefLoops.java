package dev.outpost.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Finds {@code $ref}s in a schema that lead back to where they started without going down the
 * document: {@code {"$ref":"#"}}, or {@code a → b → a} through {@code $ref}, {@code allOf},
 * {@code anyOf}, {@code oneOf}, {@code not}, {@code if}/{@code then}/{@code else} or
 * {@code dependencies}. The validator follows such a loop until the stack ends, for every document
 * that reaches it; found when the schema is compiled, it is the operator's error, not each
 * sender's. Only local refs ({@code #...}) are followed: remote ones are refused anyway.
 */
public final class RefLoops {
    private static final List<String> SAME_INSTANCE_LISTS = List.of("allOf", "anyOf", "oneOf");
    private static final List<String> SAME_INSTANCE = List.of("not", "if", "then", "else");
    private static final List<String> BELOW = List.of("additionalProperties", "items", "additionalItems", "contains",
            "propertyNames");
    private static final List<String> BELOW_MAPS = List.of("properties", "patternProperties");

    private final JsonNode root;
    /** Every subschema a document can reach. */
    private final Set<JsonNode> reached = Collections.newSetFromMap(new IdentityHashMap<>());

    private RefLoops(JsonNode root) {
        this.root = root;
    }

    /** The pointer of a subschema on a loop, when {@code schema} has one that a document can reach. */
    public static Optional<String> find(JsonNode schema) {
        return new RefLoops(schema).find();
    }

    private Optional<String> find() {
        // every subschema a document can reach, through any keyword
        Deque<JsonNode> todo = new ArrayDeque<>();
        reached.add(root);
        todo.add(root);
        while (!todo.isEmpty()) {
            JsonNode s = todo.poll();
            List<JsonNode> next = new ArrayList<>(sameInstance(s));
            next.addAll(below(s));
            for (JsonNode n : next) {
                if (reached.add(n)) {
                    todo.add(n);
                }
            }
        }
        // a cycle among the edges that stay on the same document node
        Map<JsonNode, Integer> state = new IdentityHashMap<>(); // 1: on the path, 2: done
        for (JsonNode start : reached) {
            if (state.containsKey(start)) {
                continue;
            }
            Deque<Iterator<JsonNode>> stack = new ArrayDeque<>();
            Deque<JsonNode> path = new ArrayDeque<>();
            state.put(start, 1);
            path.push(start);
            stack.push(sameInstance(start).iterator());
            while (!stack.isEmpty()) {
                if (stack.peek().hasNext()) {
                    JsonNode n = stack.peek().next();
                    Integer st = state.get(n);
                    if (st == null) {
                        state.put(n, 1);
                        path.push(n);
                        stack.push(sameInstance(n).iterator());
                    } else if (st == 1) {
                        return Optional.of(pointerOf(n));
                    }
                } else {
                    stack.pop();
                    state.put(path.pop(), 2);
                }
            }
        }
        return Optional.empty();
    }

    /** Subschemas applied to the same document node as {@code s}. */
    private List<JsonNode> sameInstance(JsonNode s) {
        List<JsonNode> out = new ArrayList<>();
        if (!s.isObject()) {
            return out;
        }
        JsonNode ref = s.get("$ref");
        if (ref != null && ref.isTextual()) {
            resolve(ref.textValue()).ifPresent(out::add);
        }
        for (String k : SAME_INSTANCE_LISTS) {
            JsonNode v = s.get(k);
            if (v != null && v.isArray()) {
                v.forEach(out::add);
            }
        }
        for (String k : SAME_INSTANCE) {
            JsonNode v = s.get(k);
            if (v != null) {
                out.add(v);
            }
        }
        JsonNode deps = s.get("dependencies");
        if (deps != null && deps.isObject()) {
            deps.forEach(d -> {
                if (d.isObject() || d.isBoolean()) {
                    out.add(d);
                }
            });
        }
        return out;
    }

    /** Subschemas applied to a node below the one {@code s} is applied to. */
    private static List<JsonNode> below(JsonNode s) {
        List<JsonNode> out = new ArrayList<>();
        if (!s.isObject()) {
            return out;
        }
        for (String k : BELOW) {
            JsonNode v = s.get(k);
            if (v != null && v.isArray()) {
                v.forEach(out::add);
            } else if (v != null) {
                out.add(v);
            }
        }
        for (String k : BELOW_MAPS) {
            JsonNode v = s.get(k);
            if (v != null && v.isObject()) {
                v.forEach(out::add);
            }
        }
        return out;
    }

    /** The subschema a local {@code $ref} names ({@code #} or {@code #/a/b}), when it is one. */
    private Optional<JsonNode> resolve(String ref) {
        if (!ref.startsWith("#")) {
            return Optional.empty();
        }
        try {
            String pointer = URLDecoder.decode(ref.substring(1).replace("+", "%2B"), StandardCharsets.UTF_8);
            if (pointer.isEmpty()) {
                return Optional.of(root);
            }
            if (!pointer.startsWith("/")) {
                return Optional.empty(); // a plain-name fragment ($id anchors): not followed
            }
            JsonNode n = root.at(pointer);
            return n.isMissingNode() ? Optional.empty() : Optional.of(n);
        } catch (IllegalArgumentException e) { // a malformed escape or pointer: everit words the refusal
            return Optional.empty();
        }
    }

    /** A JSON pointer of {@code target} in the schema, found by walking it (only for the message). */
    private String pointerOf(JsonNode target) {
        Deque<Map.Entry<String, JsonNode>> todo = new ArrayDeque<>();
        todo.add(Map.entry("#", root));
        while (!todo.isEmpty()) {
            Map.Entry<String, JsonNode> e = todo.poll();
            if (e.getValue() == target) {
                return e.getKey();
            }
            JsonNode v = e.getValue();
            if (v.isObject()) {
                v.fields().forEachRemaining(f -> todo.add(Map.entry(e.getKey() + "/"
                        + f.getKey().replace("~", "~0").replace("/", "~1"), f.getValue())));
            } else if (v.isArray()) {
                for (int i = 0; i < v.size(); i++) {
                    todo.add(Map.entry(e.getKey() + "/" + i, v.get(i)));
                }
            }
        }
        return "#";
    }
}
