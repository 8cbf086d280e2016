package dev.outpost.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Request;
import dev.outpost.json.Json;
import dev.outpost.spi.Collector;
import dev.outpost.spi.CollectorContext;

/** Small collectors for tests. */
final class Collectors {
    private Collectors() {}

    interface Body {
        Object run(Request request, CollectorContext context) throws Exception;
    }

    static Collector of(String name, Body body) {
        return of(name, Json.anyObjectSchema(), body);
    }

    static Collector of(String name, JsonNode schema, Body body) {
        return new Collector() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String description() {
                return "test collector " + name;
            }

            @Override
            public JsonNode paramsSchema() {
                return schema;
            }

            @Override
            public Object collect(Request request, CollectorContext context) throws Exception {
                return body.run(request, context);
            }
        };
    }
}
