package dev.outpost.kv.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.spi.RegistryException;
import dev.outpost.spi.RegistryKeys;

/**
 * The value rules of this module's registries: {@link RegistryKeys#checkValue}'s, and a depth a
 * broker answer can carry. Every write path (the registries' own writes, imports, the broker's
 * collectors) uses this, so nothing is stored that could not be read back through the broker.
 */
public final class Values {
    /**
     * How deep a value may nest: the codec's limit less the four levels a {@code kv.list} answer
     * wraps it in (document, result, entries, entry). A deeper value would make every listing of its
     * prefix unencodable, for every reader.
     */
    public static final int MAX_DEPTH = JsonCodec.MAX_DEPTH - 4;

    private Values() {}

    /**
     * Checks {@code value} and returns its compact JSON text.
     *
     * @throws RegistryException.InvalidValue when it is not a document, larger than {@code maxBytes},
     *     nested deeper than {@link #MAX_DEPTH} or holds text with a broken surrogate pair
     */
    public static String check(String key, JsonNode value, int maxBytes) {
        checkDepth(key, value);
        String text = RegistryKeys.checkValue(key, value, maxBytes);
        checkText(key, value); // after the size check: the walk costs what the value weighs
        return text;
    }

    /**
     * Refuses text with a broken surrogate pair (JSON's {@code "\ud800"} reads as one): UTF-8 has
     * no form for it, so SQLite stored {@code ?} in its place, a changed value reported as written.
     * Call after {@link #checkDepth}, which bounds the recursion.
     *
     * @throws RegistryException.InvalidValue naming where in the value the broken text is
     */
    public static void checkText(String key, JsonNode value) {
        String at = value == null ? null : broken(value);
        if (at != null) {
            String where = at.isEmpty() ? "/" : at.length() > 100 ? at.substring(0, 100) + "..." : at;
            // the path may hold the broken text itself: a message must be encodable too
            throw new RegistryException.InvalidValue(key, "it holds text with a broken surrogate pair (at "
                    + where.replaceAll("\\p{Cntrl}|[\\ud800-\\udfff]", "?") + "), which UTF-8 cannot carry");
        }
    }

    /** Where the first broken text is ("" for the node itself), or null; the path is built only on the way back. */
    private static String broken(JsonNode n) {
        if (n.isTextual()) {
            return brokenText(n.textValue()) ? "" : null;
        }
        if (n.isObject()) {
            for (var field : (Iterable<java.util.Map.Entry<String, JsonNode>>) n::fields) {
                String below = brokenText(field.getKey()) ? "" : broken(field.getValue());
                if (below != null) {
                    return "/" + field.getKey() + below;
                }
            }
        } else if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) {
                String below = broken(n.get(i));
                if (below != null) {
                    return "/" + i + below;
                }
            }
        }
        return null;
    }

    private static boolean brokenText(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /** @throws RegistryException.InvalidValue when {@code value} nests deeper than {@link #MAX_DEPTH} */
    public static void checkDepth(String key, JsonNode value) {
        if (value != null && depth(value, 0) > MAX_DEPTH) {
            throw new RegistryException.InvalidValue(key, "it nests deeper than " + MAX_DEPTH
                    + " levels, more than the broker's answers can carry");
        }
    }

    /** The nesting depth, counted only up to one past the limit (so a hostile value costs little stack). */
    private static int depth(JsonNode n, int above) {
        if (!n.isContainerNode()) {
            return above;
        }
        int deepest = above + 1;
        if (deepest > MAX_DEPTH) {
            return deepest; // not one level further: a tree built in code may be deeper than the stack
        }
        for (JsonNode child : n) {
            deepest = Math.max(deepest, depth(child, above + 1));
            if (deepest > MAX_DEPTH) {
                break;
            }
        }
        return deepest;
    }
}
