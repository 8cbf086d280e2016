package dev.outpost.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A schema compiled into checks that run on the Jackson tree itself, for the keywords most
 * schemas use (type, properties, required, additionalProperties, items, lengths, pattern, bounds,
 * string enums, date-time). It only ever says "valid": when a document fails a check, or the check
 * is unsure, the caller asks everit, whose verdict and messages are the reference. So a document
 * this accepts is one everit accepts, and every error still comes from everit.
 *
 * <p>{@link #compile} returns empty for a schema using anything not modelled here ({@code $ref},
 * combinators, other formats...): such schemas are always checked by everit.
 */
public final class SchemaFastPath {
    private static final Set<String> ANNOTATIONS = Set.of("$schema", "$id", "title", "description", "default", "examples",
            "$comment", "readOnly", "writeOnly");
    private static final double EXACT = 9.007199254740992E15; // 2^53: longs below are exact doubles

    /** One compiled (sub)schema: true when the node certainly satisfies it. */
    private interface Check {
        boolean ok(JsonNode n);
    }

    private final Check root;

    private SchemaFastPath(Check root) {
        this.root = root;
    }

    /** The fast path for {@code schema}, or empty when it uses something not modelled. */
    public static Optional<SchemaFastPath> compile(JsonNode schema) {
        try {
            return Optional.of(new SchemaFastPath(node(schema)));
        } catch (Unsupported e) {
            return Optional.empty();
        }
    }

    /** True only when everit would accept {@code document}; false means "ask everit". */
    public boolean accepts(JsonNode document) {
        try {
            return root.ok(document);
        } catch (RuntimeException | StackOverflowError e) { // a pathological regex or such: let the reference decide
            return false;
        }
    }

    private static final class Unsupported extends Exception {
        private static final long serialVersionUID = 1L;

        Unsupported() {
            super(null, null, false, false);
        }
    }

    private static Check node(JsonNode s) throws Unsupported {
        if (s.isBoolean() && s.booleanValue()) {
            return n -> true;
        }
        if (!s.isObject()) {
            throw new Unsupported();
        }
        List<Check> checks = new ArrayList<>();
        Set<JsonNodeType> types = null;
        boolean integer = false;
        Map<String, Check> properties = null;
        List<String> required = List.of();
        Check additional = null; // null: anything goes
        boolean additionalFalse = false;
        for (Iterator<Map.Entry<String, JsonNode>> it = s.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = e.getKey();
            JsonNode v = e.getValue();
            if (ANNOTATIONS.contains(k)) {
                continue;
            }
            switch (k) {
                case "type" -> {
                    types = new HashSet<>();
                    List<JsonNode> names = new ArrayList<>();
                    if (v.isTextual()) {
                        names.add(v);
                    } else if (v.isArray() && v.size() > 0) {
                        v.forEach(names::add);
                    } else {
                        throw new Unsupported();
                    }
                    Set<String> seen = new HashSet<>();
                    for (JsonNode t : names) {
                        String name = t.asText("");
                        seen.add(name);
                        types.add(switch (name) {
                            case "string" -> JsonNodeType.STRING;
                            case "number", "integer" -> JsonNodeType.NUMBER;
                            case "boolean" -> JsonNodeType.BOOLEAN;
                            case "object" -> JsonNodeType.OBJECT;
                            case "array" -> JsonNodeType.ARRAY;
                            case "null" -> JsonNodeType.NULL;
                            default -> throw new Unsupported();
                        });
                    }
                    // "integer" alone is narrower than "number"; both together are "number"
                    integer = seen.contains("integer") && !seen.contains("number");
                }
                case "properties" -> {
                    if (!v.isObject()) {
                        throw new Unsupported();
                    }
                    properties = new HashMap<>();
                    for (Iterator<Map.Entry<String, JsonNode>> p = v.fields(); p.hasNext(); ) {
                        Map.Entry<String, JsonNode> pe = p.next();
                        properties.put(pe.getKey(), node(pe.getValue()));
                    }
                }
                case "required" -> {
                    if (!v.isArray()) {
                        throw new Unsupported();
                    }
                    List<String> names = new ArrayList<>();
                    for (JsonNode r : v) {
                        if (!r.isTextual()) {
                            throw new Unsupported();
                        }
                        names.add(r.textValue());
                    }
                    required = List.copyOf(names);
                }
                case "additionalProperties" -> {
                    if (v.isBoolean()) {
                        additionalFalse = !v.booleanValue();
                    } else {
                        additional = node(v);
                    }
                }
                case "minProperties", "maxProperties" -> {
                    int bound = count(v);
                    boolean min = k.startsWith("min");
                    checks.add(n -> !n.isObject() || (min ? n.size() >= bound : n.size() <= bound));
                }
                case "minLength", "maxLength" -> {
                    int bound = count(v);
                    boolean min = k.startsWith("min");
                    // everit counts code points; either count inside the bound is certainly inside
                    checks.add(n -> {
                        if (!n.isTextual()) {
                            return true;
                        }
                        String t = n.textValue();
                        int chars = t.length();
                        if (min) {
                            return chars >= bound && (chars == 0 || t.codePointCount(0, chars) >= bound);
                        }
                        return chars <= bound;
                    });
                }
                case "pattern" -> {
                    if (!v.isTextual()) {
                        throw new Unsupported();
                    }
                    Pattern p;
                    try {
                        p = Pattern.compile(v.textValue());
                    } catch (PatternSyntaxException ex) {
                        throw new Unsupported();
                    }
                    checks.add(n -> {
                        try {
                            return !n.isTextual() || SchemaRegex.find(p, n.textValue());
                        } catch (SchemaRegex.TooCostly costly) {
                            return false; // not certainly valid: everit decides, and words the refusal
                        }
                    });
                }
                case "format" -> {
                    if (!"date-time".equals(v.asText())) {
                        throw new Unsupported();
                    }
                    Rfc3339 rfc = new Rfc3339();
                    checks.add(n -> !n.isTextual() || rfc.validate(n.textValue()).isEmpty());
                }
                case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum" -> {
                    double bound = exactNumber(v);
                    checks.add(switch (k) {
                        case "minimum" -> n -> !n.isNumber() || (exact(n) && n.doubleValue() >= bound);
                        case "maximum" -> n -> !n.isNumber() || (exact(n) && n.doubleValue() <= bound);
                        case "exclusiveMinimum" -> n -> !n.isNumber() || (exact(n) && n.doubleValue() > bound);
                        default -> n -> !n.isNumber() || (exact(n) && n.doubleValue() < bound);
                    });
                }
                case "items" -> {
                    if (!v.isObject() && !v.isBoolean()) {
                        throw new Unsupported(); // the tuple form
                    }
                    Check item = node(v);
                    checks.add(n -> {
                        if (!n.isArray()) {
                            return true;
                        }
                        for (JsonNode el : n) {
                            if (!item.ok(el)) {
                                return false;
                            }
                        }
                        return true;
                    });
                }
                case "minItems", "maxItems" -> {
                    int bound = count(v);
                    boolean min = k.startsWith("min");
                    checks.add(n -> !n.isArray() || (min ? n.size() >= bound : n.size() <= bound));
                }
                case "enum" -> {
                    if (!v.isArray() || v.size() == 0) {
                        throw new Unsupported();
                    }
                    Set<String> allowed = new HashSet<>();
                    for (JsonNode a : v) {
                        if (!a.isTextual()) {
                            throw new Unsupported();
                        }
                        allowed.add(a.textValue());
                    }
                    checks.add(n -> n.isTextual() && allowed.contains(n.textValue()));
                }
                default -> throw new Unsupported();
            }
        }
        if (properties != null || !required.isEmpty() || additional != null || additionalFalse) {
            Map<String, Check> props = properties == null ? Map.of() : properties;
            List<String> req = required;
            Check extra = additional;
            boolean closed = additionalFalse;
            checks.add(n -> {
                if (!n.isObject()) {
                    return true;
                }
                for (String r : req) {
                    if (!n.has(r)) {
                        return false;
                    }
                }
                for (Iterator<Map.Entry<String, JsonNode>> f = n.fields(); f.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = f.next();
                    Check c = props.get(e.getKey());
                    if (c != null) {
                        if (!c.ok(e.getValue())) {
                            return false;
                        }
                    } else if (closed || (extra != null && !extra.ok(e.getValue()))) {
                        return false;
                    }
                }
                return true;
            });
        }
        Set<JsonNodeType> allowedTypes = types;
        boolean integerOnly = integer;
        Check[] all = checks.toArray(new Check[0]);
        return n -> {
            JsonNodeType t = n.getNodeType();
            if (t != JsonNodeType.STRING && t != JsonNodeType.NUMBER && t != JsonNodeType.BOOLEAN && t != JsonNodeType.OBJECT
                    && t != JsonNodeType.ARRAY && t != JsonNodeType.NULL) {
                return false; // binary, POJO, missing: ask everit
            }
            if (t == JsonNodeType.NUMBER && !plainNumber(n)) {
                return false;
            }
            if (allowedTypes != null) {
                if (!allowedTypes.contains(t)) {
                    return false;
                }
                if (integerOnly && t == JsonNodeType.NUMBER && !n.isIntegralNumber()) {
                    return false;
                }
            }
            for (Check c : all) {
                if (!c.ok(n)) {
                    return false;
                }
            }
            return true;
        };
    }

    /** int, long or double: the number kinds whose treatment by everit is modelled here. */
    private static boolean plainNumber(JsonNode n) {
        return n.isInt() || n.isLong() || n.isDouble();
    }

    /** Whether {@code n}'s double value is exactly its value. */
    private static boolean exact(JsonNode n) {
        return n.isDouble() || Math.abs(n.longValue()) < EXACT;
    }

    private static int count(JsonNode v) throws Unsupported {
        if (!v.isInt() || v.intValue() < 0) {
            throw new Unsupported();
        }
        return v.intValue();
    }

    private static double exactNumber(JsonNode v) throws Unsupported {
        if (v.isDouble() || ((v.isInt() || v.isLong()) && Math.abs(v.longValue()) < EXACT)) {
            return v.doubleValue();
        }
        throw new Unsupported();
    }
}
