package dev.outpost.core;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.spi.Collector;

/** Small collectors for tests. */
final class Collectors {
    private Collectors() {}

    static Collector of(String name, Collector.Handler body) {
        return Collector.of(name, "test collector " + name, dev.outpost.Json.anyObjectSchema(), body);
    }

    static Collector of(String name, JsonNode schema, Collector.Handler body) {
        return Collector.of(name, "test collector " + name, schema, body);
    }
}
