package dev.outpost.core.internal;

import dev.outpost.core.json.JsonSchema;
import dev.outpost.spi.Collector;
import java.time.Duration;
import java.util.Map;

/**
 * A registered collector with its compiled schema and effective settings.
 *
 * @param authenticatedOnly whether only senders a codec authenticated may run it
 */
public record CollectorEntry(Collector collector, JsonSchema schema, boolean allowed, boolean authenticatedOnly,
        Duration timeout, int maxAttempts, Map<String, String> settings, java.util.Optional<JsonSchema> resultSchema) {

    /** Whether callers see it in {@code outpost.collectors}: allowed here, and not private (a name starting with {@code _}). */
    public boolean listed() {
        return allowed && !collector.name().startsWith("_");
    }

    /** The result schema a collector declares, or the one derived from {@code collect}'s record return type. */
    public static java.util.Optional<com.fasterxml.jackson.databind.JsonNode> resultSchemaOf(Collector c) {
        java.util.Optional<com.fasterxml.jackson.databind.JsonNode> declared = java.util.Objects.requireNonNull(
                c.resultSchema(), "resultSchema() returned null instead of Optional.empty()");
        if (declared.isPresent()) {
            return declared;
        }
        try {
            // getMethod picks the override with the most specific return type
            Class<?> returns = c.getClass().getMethod("collect", dev.outpost.Request.class,
                    dev.outpost.spi.CollectorContext.class).getReturnType();
            if (returns.isRecord()) {
                return java.util.Optional.of(dev.outpost.core.json.RecordSchema.of(returns.asSubclass(Record.class)));
            }
        } catch (NoSuchMethodException | SecurityException e) {
            // no public collect to read: nothing to derive
        }
        return java.util.Optional.empty();
    }
}
