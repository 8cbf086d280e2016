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
        Duration timeout, int maxAttempts, Map<String, String> settings) {}
