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
        return "sleeps for params.ms (default 300)";
    }

    @Override
    public JsonNode paramsSchema() {
        return Json.anyObjectSchema();
    }

    @Override
    public Object collect(Request request, CollectorContext context) throws Exception {
        Thread.sleep(request.params().path("ms").asLong(300));
        return Map.of("slept", true);
    }
}
