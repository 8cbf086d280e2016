package dev.outpost.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.CollectorException;
import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.ResponseStatus;
import dev.outpost.core.Client;
import dev.outpost.core.Scheduler;
import dev.outpost.core.Worker;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Collector;
import dev.outpost.spi.Message;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WorkerMetricsTest {
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final InMemoryTransport memory = InMemoryTransport.create();
    private final MeteredTransport transport = MeteredTransport.wrap(memory, meters);

    @AfterEach
    void close() {
        transport.close();
    }

    private static Collector echo() {
        return Collector.of("echo", "echo", Json.anyObjectSchema(), (req, ctx) -> Map.of("ok", true));
    }

    private static Collector fail() {
        return Collector.of("fail", "fails", Json.anyObjectSchema(), (req, ctx) -> {
            throw CollectorException.permanent("nope", "refused");
        });
    }

    @Test
    void countsWhatTheWorkerDid() throws Exception {
        WorkerMetrics metrics = WorkerMetrics.create(meters, MeterSettings.DEFAULTS.withTags("app", "test"));
        try (Worker worker = Worker.builder(transport).collector(echo()).collector(fail()).listener(metrics)
                .pollWait(Duration.ofMillis(50)).build();
             Client client = Client.builder(transport).pollWait(Duration.ofMillis(50)).build().start()) {
            metrics.monitor(worker);
            worker.start();
            ClientMetrics.monitor(meters, client);
            for (int i = 0; i < 5; i++) {
                assertThat(client.call(Request.builder("echo").build(), Duration.ofSeconds(5)).get().status())
                        .isEqualTo(ResponseStatus.OK);
            }
            assertThat(client.call(Request.builder("fail").build(), Duration.ofSeconds(5)).get().status())
                    .isEqualTo(ResponseStatus.ERROR);
            memory.send("requests", Message.of("not json".getBytes(StandardCharsets.UTF_8))).join();
            // the listener hears of a request after its response was published, so the caller may be first; the bad
            // one is rejected, then dead-lettered once its copy is sent, then acked (out of flight): waiting for the
            // rejection alone read the dead-letter counter and the in-flight gauge before they moved
            await().atMost(Duration.ofSeconds(20)).until(() -> meters.find("outpost.worker.rejected").counter() != null
                    && meters.find("outpost.worker.dead.lettered").tags("reason", "undecodable").counter() != null
                    && meters.get("outpost.worker.in.flight").gauge().value() == 0
                    && meters.find("outpost.worker.requests").timers().stream().mapToLong(t -> t.count()).sum() == 6);

            assertThat(meters.get("outpost.worker.requests").tags("collector", "echo", "outcome", "ok", "app", "test")
                    .timer().count()).isEqualTo(5);
            assertThat(meters.get("outpost.worker.requests").tags("collector", "fail", "outcome", "error").timer().count())
                    .isEqualTo(1);
            assertThat(meters.get("outpost.worker.received").counter().count()).isEqualTo(7);
            assertThat(meters.get("outpost.worker.rejected").tags("reason", "undecodable").counter().count()).isEqualTo(1);
            assertThat(meters.get("outpost.worker.dead.lettered").tags("reason", "undecodable").counter().count())
                    .isEqualTo(1);
            assertThat(meters.get("outpost.worker.healthy").gauge().value()).isEqualTo(1.0);
            assertThat(meters.get("outpost.worker.concurrency").gauge().value()).isEqualTo(Worker.DEFAULT_CONCURRENCY);
            assertThat(meters.get("outpost.worker.in.flight").gauge().value()).isZero();
            assertThat(meters.get("outpost.worker.prefetch").gauge().value()).isZero(); // in-process: none
            assertThat(meters.get("outpost.client.pending").gauge().value()).isZero();
            assertThat(meters.get("outpost.client.handed.back.responses").functionCounter().count()).isZero(); // not shared
            assertThat(meters.get("outpost.transport.operations").tags("operation", "receive", "outcome", "ok").timer()
                    .count()).isPositive();
            assertThat(meters.get("outpost.transport.messages").tags("direction", "sent").counter().count())
                    .isGreaterThanOrEqualTo(7 + 6); // 6 requests + the bad one by hand + 6 responses
        }
    }

    @Test
    void tagValuesAreBounded() throws Exception {
        WorkerMetrics metrics = WorkerMetrics.create(meters, MeterSettings.DEFAULTS.withMaxTagValues(1));
        try (Worker worker = Worker.builder(transport).collector(echo()).collector(fail()).listener(metrics)
                .pollWait(Duration.ofMillis(50)).build().start();
             Client client = Client.builder(transport).pollWait(Duration.ofMillis(50)).build().start()) {
            client.call(Request.builder("echo").build(), Duration.ofSeconds(5)).get();
            client.call(Request.builder("fail").build(), Duration.ofSeconds(5)).get();
            await().atMost(Duration.ofSeconds(5)).until(() -> meters.find("outpost.worker.requests").timers().stream()
                    .mapToLong(t -> t.count()).sum() == 2);
            // whichever collector was heard first keeps its name; the other is reported as "other"
            long named = java.util.stream.Stream.of("echo", "fail")
                    .filter(c -> meters.find("outpost.worker.requests").tag("collector", c).timer() != null).count();
            assertThat(named).isEqualTo(1);
            assertThat(meters.get("outpost.worker.requests").tag("collector", "other").timer().count()).isEqualTo(1);
        }
    }

    @Test
    void schedulerJobsAreCounted() {
        Collector tick = Collector.of("tick", "tick", Json.anyObjectSchema(), (req, ctx) -> Map.of());
        try (Scheduler scheduler = Scheduler.builder(transport)
                .job(Scheduler.Job.every(Duration.ofMillis(10), tick, "ticks")).build()) {
            SchedulerMetrics.monitor(meters, scheduler);
            scheduler.start();
            await().atMost(Duration.ofSeconds(5)).until(() -> meters.get("outpost.scheduler.runs")
                    .tags("collector", "tick", "destination", "ticks").functionCounter().count() >= 2);
            assertThat(meters.get("outpost.scheduler.failures").functionCounter().count()).isZero();
        }
    }
}
