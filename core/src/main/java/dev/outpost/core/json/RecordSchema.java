package dev.outpost.core.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.Json;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The draft-07 JSON Schema of a record type, as the project's JSON mapper writes it: one property
 * per component, every component required except {@code Optional} ones (which may be
 * {@code null}), no other properties. Strings, numbers, booleans, enums (their names), nested
 * records, arrays and collections, maps with string keys and {@code java.time} values (ISO text)
 * are described; a component of any other type ({@code Object}, {@code JsonNode}, a bean) accepts
 * any value. A collector returning a record gets this schema as its result schema.
 *
 * <pre>{@code
 * record Usage(String mount, long freeBytes, Optional<String> label) {}
 * JsonNode schema = RecordSchema.of(Usage.class);
 * }</pre>
 */
public final class RecordSchema {
    private static final Set<Class<?>> INTEGERS = Set.of(byte.class, short.class, int.class, long.class, Byte.class,
            Short.class, Integer.class, Long.class, BigInteger.class);
    private static final Set<Class<?>> NUMBERS = Set.of(float.class, double.class, Float.class, Double.class,
            BigDecimal.class, Number.class);

    private RecordSchema() {}

    /** The schema of {@code type}'s JSON form. */
    public static ObjectNode of(Class<? extends Record> type) {
        Objects.requireNonNull(type, "type");
        ObjectNode schema = Json.object().put("$schema", "http://json-schema.org/draft-07/schema#");
        schema.setAll(record(type, new HashSet<>()));
        return schema;
    }

    private static ObjectNode record(Class<?> type, Set<Class<?>> inProgress) {
        if (!inProgress.add(type)) {
            return Json.object(); // a recursive record: its inner levels accept anything
        }
        ObjectNode s = Json.object().put("type", "object");
        ObjectNode props = s.putObject("properties");
        ArrayNode required = Json.array();
        for (RecordComponent c : type.getRecordComponents()) {
            Type t = c.getGenericType();
            Class<?> raw = raw(t);
            boolean optional = raw == Optional.class || raw == OptionalInt.class || raw == OptionalLong.class
                    || raw == OptionalDouble.class;
            props.set(c.getName(), optional ? nullable(optionalOf(t, raw, inProgress)) : schema(t, inProgress));
            if (!optional) {
                required.add(c.getName());
            }
        }
        if (!required.isEmpty()) {
            s.set("required", required);
        }
        s.put("additionalProperties", false);
        inProgress.remove(type);
        return s;
    }

    private static JsonNode optionalOf(Type t, Class<?> raw, Set<Class<?>> inProgress) {
        if (raw == OptionalInt.class || raw == OptionalLong.class) {
            return Json.object().put("type", "integer");
        }
        if (raw == OptionalDouble.class) {
            return Json.object().put("type", "number");
        }
        return schema(argument(t, 0), inProgress);
    }

    private static JsonNode nullable(JsonNode s) {
        if (s.isEmpty()) {
            return s;
        }
        ObjectNode any = Json.object();
        any.putArray("anyOf").add(s).addObject().put("type", "null");
        return any;
    }

    private static JsonNode schema(Type t, Set<Class<?>> inProgress) {
        Class<?> raw = raw(t);
        if (raw == String.class || raw == char.class || raw == Character.class || CharSequence.class.isAssignableFrom(raw)
                || raw == byte[].class) {
            return Json.object().put("type", "string");
        }
        if (raw == boolean.class || raw == Boolean.class) {
            return Json.object().put("type", "boolean");
        }
        if (INTEGERS.contains(raw)) {
            return Json.object().put("type", "integer");
        }
        if (NUMBERS.contains(raw)) {
            return Json.object().put("type", "number");
        }
        if (raw.isEnum()) {
            ObjectNode s = Json.object().put("type", "string");
            ArrayNode values = s.putArray("enum");
            for (Object e : raw.getEnumConstants()) {
                values.add(((Enum<?>) e).name());
            }
            return s;
        }
        if (raw.isRecord()) {
            return record(raw, inProgress);
        }
        if (raw.isArray() || t instanceof GenericArrayType) {
            Type item = t instanceof GenericArrayType g ? g.getGenericComponentType() : raw.getComponentType();
            return array(schema(item, inProgress));
        }
        if (Collection.class.isAssignableFrom(raw)) {
            return array(schema(argument(t, 0), inProgress));
        }
        if (Map.class.isAssignableFrom(raw)) {
            ObjectNode s = Json.object().put("type", "object");
            s.set("additionalProperties", schema(argument(t, 1), inProgress));
            return s;
        }
        if (raw.getName().startsWith("java.time.") || raw == java.util.UUID.class || raw == java.net.URI.class) {
            return Json.object().put("type", "string");
        }
        return Json.object(); // Object, JsonNode, beans: any value
    }

    private static ObjectNode array(JsonNode items) {
        ObjectNode s = Json.object().put("type", "array");
        s.set("items", items);
        return s;
    }

    private static Class<?> raw(Type t) {
        if (t instanceof Class<?> c) {
            return c;
        }
        if (t instanceof ParameterizedType p) {
            return raw(p.getRawType());
        }
        if (t instanceof GenericArrayType) {
            return Object[].class;
        }
        if (t instanceof WildcardType w && w.getUpperBounds().length > 0) {
            return raw(w.getUpperBounds()[0]);
        }
        return Object.class; // a type variable: unknown
    }

    private static Type argument(Type t, int i) {
        if (t instanceof ParameterizedType p && p.getActualTypeArguments().length > i) {
            return p.getActualTypeArguments()[i];
        }
        return Object.class;
    }
}
