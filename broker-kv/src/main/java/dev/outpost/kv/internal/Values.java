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
     * @throws RegistryException.InvalidValue when it is not a document, larger than {@code maxBytes}
     *     or nested deeper than {@link #MAX_DEPTH}
     */
    public static String check(String key, JsonNode value, int maxBytes) {
        checkDepth(key, value);
        return RegistryKeys.checkValue(key, value, maxBytes);
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
