package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.Response;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.spi.Message;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SchedulerTest {
    private final JsonCodec codec = JsonCodec.create();

    @Test
    void publishesEachRunsResponseToTheDestination() {
        try (InMemoryTransport transport = InMemoryTransport.create();
                Scheduler s = Scheduler.builder(transport).id("agent-1")
                        .job(Scheduler.Job.every(Duration.ofMillis(100),
                                Collectors.of("_processes", (r, c) -> Map.of("count", 42)), "records"))
                        .build().start()) {
            await().atMost(Duration.ofSeconds(5)).until(() -> transport.peek("records").size() >= 3);
            List<Message> records = transport.peek("records");
            Response first = codec.decodeResponse(records.get(0).body()).document();
            assertThat(first.isOk()).isTrue();
            assertThat(first.collector()).isEqualTo("_processes");
            assertThat(first.worker()).isEqualTo("agent-1");
            assertThat(first.result().orElseThrow().get("count").asInt()).isEqualTo(42);
        }
    }

    @Test
    void aSlowRunSkipsTicksInsteadOfPilingUp() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        try (InMemoryTransport transport = InMemoryTransport.create();
                Scheduler s = Scheduler.builder(transport)
                        .job(Scheduler.Job.every(Duration.ofMillis(50), Collectors.of("slow", (r, c) -> {
                            if (runs.incrementAndGet() == 1) {
                                Thread.sleep(520); // overruns about ten ticks
                            }
                            return "ok";
                        }), "records"))
                        .build().start()) {
            await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() >= 4);
            Thread.sleep(100);
            Scheduler.JobStatus st = s.status().get(0);
            assertThat(st.skipped()).isGreaterThanOrEqualTo(8);
            // after the slow run, runs follow the 50 ms grid: no burst of catch-up runs
            long elapsedTicks = st.skipped() + st.runs();
            assertThat(st.runs()).isLessThan(elapsedTicks);
        }
    }

    @Test
    void failuresArePublishedAsErrorResponses() {
        try (InMemoryTransport transport = InMemoryTransport.create();
                Scheduler s = Scheduler.builder(transport)
                        .job(Scheduler.Job.every(Duration.ofSeconds(10), Collectors.of("broken", (r, c) -> {
                            throw new IllegalStateException("disk gone");
                        }), "records"))
                        .build().start()) {
            await().atMost(Duration.ofSeconds(5)).until(() -> transport.peek("records").size() == 1);
            Response r = codec.decodeResponse(transport.peek("records").get(0).body()).document();
            assertThat(r.error().orElseThrow().message()).contains("disk gone");
            assertThat(s.status().get(0).failures()).isEqualTo(1);
        }
    }
}
