package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.ConfigException;
import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.core.json.JsonSchema;
import dev.outpost.core.json.RecordSchema;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Collector;
import dev.outpost.spi.CollectorContext;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Typed outputs: result schemas derived from records or given, listed by outpost.collectors, checked when asked. */
class WorkerResultSchemaTest {
    enum Kind { DISK, NETWORK }

    record Mount(String path, long freeBytes, Optional<String> label, Kind kind, List<Integer> ids, Map<String, Double> load,
            Instant seen, Optional<Mount> parent) {}

    /** A collector whose collect returns a record: its result schema is derived. */
    public static final class Mounts implements Collector {
        @Override
        public String name() {
            return "mounts";
        }

        @Override
        public Mount collect(Request request, CollectorContext context) {
            return new Mount("/", 42, Optional.empty(), Kind.DISK, List.of(1, 2), Map.of("1m", 0.5), Instant.EPOCH,
                    Optional.empty());
        }
    }

    private static final JsonNode COUNT = Json.parse("{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\"}},"
            + "\"required\":[\"n\"]}");

    @Test
    void aRecordSchemaDescribesWhatTheMapperWrites() {
        JsonSchema schema = JsonSchema.of(RecordSchema.of(Mount.class));
        Mount m = new Mounts().collect(null, null);
        assertThat(schema.violations(Json.toTree(m))).isEmpty();
        Mount labelled = new Mount("/home", 1, Optional.of("home"), Kind.NETWORK, List.of(), Map.of(), Instant.now(),
                Optional.of(m));
        assertThat(schema.violations(Json.toTree(labelled))).isEmpty();
        assertThat(schema.accepts(Json.parse("{\"path\":\"/\",\"freeBytes\":\"many\",\"kind\":\"DISK\",\"ids\":[],"
                + "\"load\":{},\"seen\":\"x\"}"))).isFalse(); // a string where a number belongs
        assertThat(schema.accepts(Json.parse("{\"path\":\"/\",\"freeBytes\":1,\"kind\":\"TAPE\",\"ids\":[],"
                + "\"load\":{},\"seen\":\"x\"}"))).isFalse(); // not an enum constant
        assertThat(schema.accepts(Json.parse("{\"path\":\"/\",\"freeBytes\":1,\"kind\":\"DISK\",\"ids\":[],"
                + "\"load\":{},\"seen\":\"x\",\"extra\":1}"))).isFalse(); // no other properties
        JsonNode derived = RecordSchema.of(Mount.class);
        assertThat(derived.at("/required").toString()).doesNotContain("label").contains("path");
    }

    @Test
    void outpostCollectorsListsParamsAndResultSchemas() throws Exception {
        try (InMemoryTransport t = InMemoryTransport.create();
                Worker w = Worker.builder(t).collector(new Mounts())
                        .collector(Collector.of("count", "", Json.anyObjectSchema(), COUNT, (r, c) -> Map.of("n", 1)))
                        .collector(Collectors.of("untyped", (r, c) -> 1))
                        .pollWait(Duration.ofMillis(50)).build().start();
                Client c = Client.builder(t).pollWait(Duration.ofMillis(50)).build().start()) {
            Response r = c.call(Request.builder("outpost.collectors").build(), Duration.ofSeconds(10)).get();
            JsonNode list = r.result().orElseThrow();
            JsonNode mounts = find(list, "mounts");
            assertThat(mounts.at("/params/type").asText()).isEqualTo("object");
            assertThat(mounts.at("/result/properties/freeBytes/type").asText()).isEqualTo("integer");
            assertThat(find(list, "count").get("result")).isEqualTo(COUNT);
            assertThat(find(list, "untyped").has("result")).isFalse();
        }
    }

    @Test
    void aWorkerCheckingResultsAnswersABadResultAsAnErrorWithoutRetrying() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        try (InMemoryTransport t = InMemoryTransport.create();
                Worker w = Worker.builder(t).checkResults(true)
                        .collector(Collector.of("count", "", Json.anyObjectSchema(), COUNT, (r, c) -> {
                            runs.incrementAndGet();
                            return r.params().path("bad").asBoolean() ? Map.of("n", "seven") : Map.of("n", 7);
                        }))
                        .pollWait(Duration.ofMillis(50)).build().start();
                Client c = Client.builder(t).pollWait(Duration.ofMillis(50)).build().start()) {
            assertThat(c.call(Request.builder("count").build(), Duration.ofSeconds(10)).get().isOk()).isTrue();
            Response bad = c.call(Request.builder("count").param("bad", true).build(), Duration.ofSeconds(10)).get();
            assertThat(bad.status()).isEqualTo(ResponseStatus.ERROR);
            assertThat(bad.error().orElseThrow().code()).isEqualTo("invalid-result");
            assertThat(bad.error().orElseThrow().message()).contains("count").contains("n");
            assertThat(runs).hasValue(2);
        }
    }

    @Test
    void resultsAreNotCheckedUnlessAsked() throws Exception {
        try (InMemoryTransport t = InMemoryTransport.create();
                Worker w = Worker.builder(t)
                        .collector(Collector.of("count", "", Json.anyObjectSchema(), COUNT, (r, c) -> Map.of("n", "x")))
                        .pollWait(Duration.ofMillis(50)).build().start();
                Client c = Client.builder(t).pollWait(Duration.ofMillis(50)).build().start()) {
            assertThat(c.call(Request.builder("count").build(), Duration.ofSeconds(10)).get().isOk()).isTrue();
        }
    }

    @Test
    void anInvalidResultSchemaIsRefusedAtBuild() {
        assertThatThrownBy(() -> Worker.builder(InMemoryTransport.create())
                .collector(Collector.of("bad", "", Json.anyObjectSchema(), Json.parse("{\"type\":17}"), (r, c) -> 1)).build())
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.getMessage()).contains("result schema"));
    }

    private static JsonNode find(JsonNode list, String name) {
        for (JsonNode n : list) {
            if (n.path("name").asText().equals(name)) {
                return n;
            }
        }
        throw new AssertionError("no " + name + " in " + list);
    }
}
