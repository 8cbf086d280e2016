package dev.outpost.bench;

import dev.outpost.Request;
import dev.outpost.Json;
import dev.outpost.spi.Collector;
import dev.outpost.spi.CollectorContext;
import java.util.Map;

/** What every benchmark sends: a small, realistic request and a no-op collector. */
final class Payloads {
    private Payloads() {}

    static Request request(int i, String replyTo) {
        return Request.builder("noop")
                .target("host-" + (i % 64))
                .params(Map.of("path", "/var/log", "depth", 2, "follow", false))
                .replyTo(replyTo)
                .attribute("trace", "t-" + i)
                .build();
    }

    static Collector noop() {
        return new Collector() {
            @Override
            public String name() {
                return "noop";
            }

            @Override
            public com.fasterxml.jackson.databind.JsonNode paramsSchema() {
                return Json.parse("{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},"
                        + "\"depth\":{\"type\":\"integer\",\"minimum\":0},\"follow\":{\"type\":\"boolean\"}}}");
            }

            @Override
            public Object collect(Request request, CollectorContext context) {
                return Map.of("ok", true);
            }
        };
    }
}
