package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.Client;
import dev.outpost.core.Worker;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.ForwardingRegistry;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryPage;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A {@code kv.list} of large values loads about what its answer carries: a reader asking for 1000
 * entries of 30 KB each made the broker read all 1000 (30 MB, parsed) to send six, per request.
 */
class BrokerListLoadTest {
    private final AtomicInteger loaded = new AtomicInteger();
    private InMemoryTransport transport;
    private InMemoryRegistry store;
    private Worker broker;
    private Client client;

    @BeforeEach
    void start() {
        transport = InMemoryTransport.create();
        store = InMemoryRegistry.create();
        RegistryService service = RegistryService.builder(new Counting(store)).namespace("svc", NamespaceAccess.open()).build();
        broker = Worker.builder(transport).requests("kv").collectors(service.collectors()).builtins(false)
                .pollWait(Duration.ofMillis(50)).build().start();
        client = Client.builder(transport).requests("kv").pollWait(Duration.ofMillis(50)).build().start();
    }

    @AfterEach
    void stop() {
        client.close();
        broker.close();
        store.close();
        transport.close();
    }

    private JsonNode list(String params) throws Exception {
        Response r = client.call(Request.builder("kv.list").params(Json.parse(params)).build(), Duration.ofSeconds(10)).get();
        assertThat(r.isOk()).as("%s", r.error()).isTrue();
        return r.result().orElseThrow();
    }

    @Test
    void aListingOfLargeValuesReadsAboutWhatItAnswersWith() throws Exception {
        String big = "x".repeat(30_000);
        for (int i = 0; i < 300; i++) {
            store.register(String.format("svc/big-%03d", i), Json.parse("{\"pad\":\"" + big + "\"}"), Optional.empty());
        }
        JsonNode first = list("{\"prefix\":\"svc/\",\"limit\":1000}");
        int answered = first.get("entries").size();
        assertThat(answered).isBetween(1, 10);
        assertThat(first.hasNonNull("nextPageToken")).isTrue();
        assertThat(loaded.get()).as("entries read from the registry for one answer of " + answered).isLessThan(50);

        // every entry is still reached, once, by following the tokens
        Set<String> keys = new HashSet<>();
        JsonNode page = first;
        while (true) {
            page.get("entries").forEach(e -> assertThat(keys.add(e.get("key").asText())).isTrue());
            if (!page.hasNonNull("nextPageToken")) {
                break;
            }
            page = list("{\"prefix\":\"svc/\",\"limit\":1000,\"pageToken\":\"" + page.get("nextPageToken").asText() + "\"}");
        }
        assertThat(keys).hasSize(300);
    }

    @Test
    void aListingOfSmallValuesStillFillsItsLimitInOneAnswer() throws Exception {
        for (int i = 0; i < 300; i++) {
            store.register(String.format("svc/small-%03d", i), Json.parse(String.valueOf(i)), Optional.empty());
        }
        JsonNode all = list("{\"prefix\":\"svc/\",\"limit\":1000}");
        assertThat(all.get("entries")).hasSize(300);
        assertThat(all.hasNonNull("nextPageToken")).isFalse();
        JsonNode some = list("{\"prefix\":\"svc/\",\"limit\":250}");
        assertThat(some.get("entries")).hasSize(250);
        assertThat(some.get("nextPageToken").asText()).isNotEmpty();
    }

    /** Counts the entries the broker reads through list pages. */
    private final class Counting extends ForwardingRegistry {
        Counting(Registry inner) {
            super(inner);
        }

        @Override
        public RegistryPage list(String prefix, int limit, Optional<String> pageToken) {
            RegistryPage page = super.list(prefix, limit, pageToken);
            loaded.addAndGet(page.entries().size());
            return page;
        }
    }
}
