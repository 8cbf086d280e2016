package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.CollectorException;
import dev.outpost.Request;
import dev.outpost.inmemory.InMemoryTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Minutes of churn: three workers share a queue, collectors fail, stall and succeed at random,
 * and every few seconds one worker "dies" (its acks and sends stop reaching the transport) and is
 * replaced. Every request must end with exactly one final answer per worker that answered it,
 * and none may be lost. Run with {@code ./mvnw verify -Psoak}.
 */
@Tag("soak")
class SoakTest {
    @Test
    void churnLosesNothing() throws Exception {
        int requests = Integer.getInteger("soak.requests", 30_000);
        try (InMemoryTransport transport = InMemoryTransport.builder().visibilityTimeout(Duration.ofMillis(800))
                .maxQueuedBytes(512L << 20).build()) {
            Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
            Set<String> answered = ConcurrentHashMap.newKeySet();
            AtomicInteger answers = new AtomicInteger();
            List<TappedTransport> taps = new ArrayList<>();
            List<Worker> workers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                startWorker(transport, taps, workers, runs, i);
            }
            try (Client client = Client.builder(transport).pollWait(Duration.ofMillis(100)).onResponse(r -> {
                answers.incrementAndGet();
                answered.add(r.requestId());
            }).build()) {
                for (int i = 0; i < requests; i++) {
                    client.send(Request.builder("chaos").param("i", i).build()).join();
                }
                long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
                int generation = 3;
                while (answered.size() < requests && System.nanoTime() < deadline) {
                    Thread.sleep(2_000);
                    if (generation < 12) {
                        int victim = ThreadLocalRandom.current().nextInt(workers.size());
                        taps.get(victim).crash();
                        workers.get(victim).shutdown();
                        taps.remove(victim);
                        workers.remove(victim);
                        startWorker(transport, taps, workers, runs, generation++);
                    }
                }
                assertThat(answered).hasSize(requests);
                // a request is answered more than once only when a worker died after publishing and before acking
                assertThat(answers.get() - requests).isLessThanOrEqualTo(9 * 8);
            } finally {
                workers.forEach(Worker::shutdown);
            }
        }
    }

    private static void startWorker(InMemoryTransport transport, List<TappedTransport> taps, List<Worker> workers,
            Map<String, AtomicInteger> runs, int n) {
        TappedTransport tap = new TappedTransport(transport);
        Worker w = Worker.builder(tap).id("soak-" + n)
                .collector(Collectors.of("chaos", (r, c) -> {
                    runs.computeIfAbsent(r.id(), k -> new AtomicInteger()).incrementAndGet();
                    int dice = ThreadLocalRandom.current().nextInt(100);
                    if (dice < 15) {
                        throw CollectorException.retryable("flaky", "dice said " + dice);
                    }
                    if (dice < 17) {
                        throw CollectorException.permanent("bad", "dice said " + dice);
                    }
                    if (dice < 19) {
                        Thread.sleep(1_500); // past the visibility timeout: extension keeps it ours
                    }
                    return Map.of("i", r.params().get("i").asInt());
                }))
                .concurrency(8).visibility(Duration.ofMillis(800)).timeout(Duration.ofSeconds(5))
                .backoff(Duration.ofMillis(10), Duration.ofMillis(200)).maxAttempts(5)
                .pollWait(Duration.ofMillis(100)).drainTimeout(Duration.ofMillis(200))
                .build().start();
        taps.add(tap);
        workers.add(w);
    }
}
