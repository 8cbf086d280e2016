package dev.outpost.core.internal;

import dev.outpost.core.json.JsonSchema;
import dev.outpost.spi.Collector;
import java.time.Duration;
import java.util.Map;

/** A registered collector with its compiled schema and effective settings. */
public record CollectorEntry(
        Collector collector, JsonSchema schema, boolean allowed, Duration timeout, int maxAttempts, Map<String, String> settings) {}
