package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.inmemory.InMemoryTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class StressTest {
    @Test
    void tenThousandRequestsThroughEightThreadsAreEachAnsweredAndMatched() throws Exception {
        try (InMemoryTransport transport = InMemoryTransport.create();
                Worker worker = Worker.builder(transport)
                        .collector(Collectors.of("square", (r, c) -> {
                            long n = r.params().get("n").asLong();
                            return java.util.Map.of("n", n, "square", n * n);
                        }))
                        .concurrency(8).pollWait(Duration.ofMillis(100)).build().start();
                Client client = Client.builder(transport).pollWait(Duration.ofMillis(100)).build().start()) {
            List<Request> requests = new ArrayList<>();
            List<CompletableFuture<Response>> calls = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                Request r = Request.builder("square").param("n", i).build();
                requests.add(r);
                calls.add(client.call(r, Duration.ofSeconds(60)));
            }
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(90, TimeUnit.SECONDS);
            for (int i = 0; i < requests.size(); i++) {
                Response resp = calls.get(i).join();
                assertThat(resp.requestId()).isEqualTo(requests.get(i).id());
                assertThat(resp.isOk()).isTrue();
                assertThat(resp.result().orElseThrow().get("square").asLong()).isEqualTo((long) i * i);
            }
            // counted when each ack is issued, which may trail the response by a moment
            await().atMost(java.time.Duration.ofSeconds(10)).until(() -> worker.status().counters().succeeded() == 10_000);
            assertThat(worker.status().counters().duplicates()).isZero();
            assertThat(transport.depth("requests").orElse(0)).isZero();
        }
    }
}
