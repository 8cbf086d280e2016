package dev.outpost.spi;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Request;
import dev.outpost.Json;

/**
 * A named unit of work a worker runs for a request.
 *
 * <p>A collector returns a JSON-serialisable value (a map, list, record, string, number, or a
 * Jackson {@link JsonNode}); the worker puts it in the response document. Never return JSON that
 * was already serialised to a string: it would travel as a string.
 *
 * <p>Names are lower-case words separated by dots, dashes or underscores
 * ({@code [a-z0-9_][a-z0-9._-]*}). Names starting with {@code _} are never reachable remotely:
 * only the local scheduler ({@code outpost-core}'s {@code Scheduler}) runs them.
 *
 * <p>To fail, throw {@link dev.outpost.CollectorException}: {@code retryable} ones are retried
 * with backoff, {@code permanent} ones are answered with an error at once. Any other exception
 * counts as retryable.
 */
public interface Collector {

    /** The name requests use to reach this collector. */
    String name();

    /** One line saying what the collector does, for the help listing. */
    default String description() {
        return "";
    }

    /**
     * The draft-07 JSON Schema of its result, if it declares one: {@code outpost.collectors} lists
     * it (so clients in other languages can be generated), and a worker told to check results
     * answers a result that does not satisfy it with an {@code invalid-result} error. When empty
     * (the default) and {@link #collect}'s declared return type is a record, the worker derives the
     * schema from the record.
     */
    default java.util.Optional<JsonNode> resultSchema() {
        return java.util.Optional.empty();
    }

    /**
     * The draft-07 JSON Schema its params must satisfy; the worker enforces it before
     * {@link #collect} runs. The default accepts any object.
     */
    default JsonNode paramsSchema() {
        return Json.anyObjectSchema();
    }

    /**
     * Checks this collector's settings ({@code outpost.collectors.NAME.*}, unprefixed) when the
     * worker or scheduler is built, so that a bad setting fails at start, not at the first
     * request. The default accepts anything.
     *
     * @throws dev.outpost.ConfigException naming each bad key
     */
    default void validateSettings(java.util.Map<String, String> settings) {}

    /**
     * Does the work.
     *
     * @param request the request, its params already valid against {@link #paramsSchema()}
     * @param context the deadline, sender, settings and progress reporting
     * @return a JSON-serialisable value, or {@code null} for an empty result
     * @throws Exception a failure; see the class documentation for how it is handled
     */
    Object collect(Request request, CollectorContext context) throws Exception;

    /** What a collector made by {@link #of} runs. */
    @FunctionalInterface
    interface Handler {
        /** Does the work; see {@link Collector#collect}. */
        Object collect(Request request, CollectorContext context) throws Exception;
    }

    /**
     * A collector from a name and a function, accepting any object as params.
     *
     * <pre>{@code
     * Collector uptime = Collector.of("host.uptime", (request, context) -> Map.of("ms", uptimeMillis()));
     * }</pre>
     */
    static Collector of(String name, Handler handler) {
        return of(name, "", Json.anyObjectSchema(), handler);
    }

    /** A collector from a name, a description, a params schema, a result schema and a function. */
    static Collector of(String name, String description, JsonNode paramsSchema, JsonNode resultSchema, Handler handler) {
        java.util.Objects.requireNonNull(resultSchema, "resultSchema");
        Collector inner = of(name, description, paramsSchema, handler);
        JsonNode result = resultSchema.deepCopy();
        return new Collector() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String description() {
                return description;
            }

            @Override
            public JsonNode paramsSchema() {
                return inner.paramsSchema();
            }

            @Override
            public java.util.Optional<JsonNode> resultSchema() {
                return java.util.Optional.of(result.deepCopy());
            }

            @Override
            public Object collect(Request request, CollectorContext context) throws Exception {
                return handler.collect(request, context);
            }

            @Override
            public String toString() {
                return "Collector[" + name + "]";
            }
        };
    }

    /** A collector from a name, a description, a params schema and a function. */
    static Collector of(String name, String description, JsonNode paramsSchema, Handler handler) {
        java.util.Objects.requireNonNull(name, "name");
        java.util.Objects.requireNonNull(description, "description");
        java.util.Objects.requireNonNull(paramsSchema, "paramsSchema");
        java.util.Objects.requireNonNull(handler, "handler");
        JsonNode schema = paramsSchema.deepCopy();
        return new Collector() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String description() {
                return description;
            }

            @Override
            public JsonNode paramsSchema() {
                return schema.deepCopy();
            }

            @Override
            public Object collect(Request request, CollectorContext context) throws Exception {
                return handler.collect(request, context);
            }

            @Override
            public String toString() {
                return "Collector[" + name + "]";
            }
        };
    }
}
