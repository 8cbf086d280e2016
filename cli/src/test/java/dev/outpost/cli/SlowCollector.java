package dev.outpost.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.spi.Collector;
import dev.outpost.spi.CollectorContext;
import java.util.Map;

/** Found by a worker daemon's class-path discovery in the process tests: takes a while, so a SIGTERM finds work in flight. */
public final class SlowCollector implements Collector {
    @Override
    public String name() {
        return "test.slow";
    }

    @Override
    public String description() {
        return "sleeps for params.ms (default 300), then while the file params.holdWhile exists";
    }

    @Override
    public JsonNode paramsSchema() {
        return Json.anyObjectSchema();
    }

    @Override
    public Object collect(Request request, CollectorContext context) throws Exception {
        Thread.sleep(request.params().path("ms").asLong(300));
        // params.holdWhile: a file; the run goes on while it exists (a worker killed now holds the request)
        if (request.params().hasNonNull("holdWhile")) {
            java.nio.file.Path hold = java.nio.file.Path.of(request.params().get("holdWhile").asText());
            while (java.nio.file.Files.exists(hold)) {
                Thread.sleep(20);
            }
        }
        return Map.of("slept", true);
    }
}
