package dev.outpost.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;
import org.json.JSONArray;
import org.json.JSONObject;

/** Converts Jackson trees to the org.json values everit validates, without printing and re-parsing. */
public final class OrgJson {
    private OrgJson() {}

    /**
     * A bound on the reads a validator makes of one converted document. A schema is the operator's
     * but the document the sender's: {@code anyOf}/{@code oneOf}/{@code allOf} branches that each
     * recurse through {@code $ref} read a document of depth 40 2^40 times. Every step down the
     * document is a read of an object or array, so counting them bounds the whole check. A read
     * costs one more for each level it is below the top: the validator's work for a step (a failure
     * it records, with a stack trace as deep as the document) grows with the depth, and a sender
     * must not buy a deep document's reads with a wide, shallow padding.
     */
    public static final class Budget {
        private final long perNode;
        private final long most;
        private long left;

        /**
         * A budget of {@code base}, to which each converted node adds {@code perNode} times one more
         * than its depth, up to {@code most} in all.
         */
        public Budget(long base, long perNode, long most) {
            this.left = base;
            this.perNode = perNode;
            this.most = most;
        }

        void grant(int depth) {
            left = Math.min(most, left + perNode * (depth + 1L));
        }

        void spend(int depth) {
            left -= depth + 1L;
            if (left < 0) {
                throw new TooCostly();
            }
        }
    }

    /** Thrown when a validator has read a document more often than its {@link Budget} allows. */
    public static final class TooCostly extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TooCostly() {
            super("the document takes too much work to check against the schema (branches of anyOf, oneOf, allOf or $ref"
                    + " that each recurse multiply with its depth): refused unchecked", null, false, false);
        }
    }

    /** As {@link #convert(JsonNode)}, with every read of an object or array spending {@code budget}. */
    public static Object convert(JsonNode node, Budget budget) {
        return convert(node, budget, 0);
    }

    private static Object convert(JsonNode node, Budget budget, int depth) {
        budget.grant(depth);
        switch (node.getNodeType()) {
            case OBJECT: {
                JSONObject out = new CountedObject(budget, depth);
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    out.put(e.getKey(), convert(e.getValue(), budget, depth + 1));
                }
                return out;
            }
            case ARRAY: {
                JSONArray out = new CountedArray(budget, depth);
                for (JsonNode element : node) {
                    out.put(convert(element, budget, depth + 1));
                }
                return out;
            }
            default:
                return convert(node);
        }
    }

    /** The reads everit makes of an object (1.14: get, has, keySet, length) each spend the budget. */
    private static final class CountedObject extends JSONObject {
        private final Budget budget;
        private final int depth;

        CountedObject(Budget budget, int depth) {
            this.budget = budget;
            this.depth = depth;
        }

        @Override
        public Object get(String key) {
            budget.spend(depth);
            return super.get(key);
        }

        @Override
        public Object opt(String key) {
            budget.spend(depth);
            return super.opt(key);
        }

        @Override
        public boolean has(String key) {
            budget.spend(depth);
            return super.has(key);
        }

        @Override
        public java.util.Set<String> keySet() {
            budget.spend(depth);
            return super.keySet();
        }

        @Override
        public int length() {
            budget.spend(depth);
            return super.length();
        }
    }

    /** The reads everit makes of an array (1.14: get, length) each spend the budget. */
    private static final class CountedArray extends JSONArray {
        private final Budget budget;
        private final int depth;

        CountedArray(Budget budget, int depth) {
            this.budget = budget;
            this.depth = depth;
        }

        @Override
        public Object get(int index) {
            budget.spend(depth);
            return super.get(index);
        }

        @Override
        public Object opt(int index) {
            budget.spend(depth);
            return super.opt(index);
        }

        @Override
        public int length() {
            budget.spend(depth);
            return super.length();
        }
    }

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
