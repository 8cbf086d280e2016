package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Sender;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The worker reports what it runs with and what is happening to it, not what it was configured to do. */
class WorkerTruthTest {

    @Test
    void configAndStatusReportTheValuesTheWorkerRunsWith() throws Exception {
        // configuration says one thing, the builder another: the builder wins, and outpost.config says so
        OutpostConfig config = OutpostConfig.builder()
                .set("outpost.worker.max-attempts", "3")
                .set("outpost.worker.pollers", "1")
                .set("outpost.worker.prefetch", "9")
                .set("outpost.worker.drain-timeout", "30s")
                .set("outpost.collectors.allow", "disk,outpost.*")
                .build();
        Codec ops = new TrustingCodec(Sender.of("k1", "ops"));
        try (InMemoryTransport transport = InMemoryTransport.create();
                Worker worker = Worker.builder(transport).configure(config).codec(ops)
                        .maxAttempts(5).pollers(2).concurrency(4).prefetch(3).drainTimeout(Duration.ofSeconds(1))
                        .pollWait(Duration.ofMillis(50))
                        .collector(Collectors.of("disk", (r, c) -> "ok"))
                        .build().start();
                Client client = Client.builder(transport).codec(ops).pollWait(Duration.ofMillis(50)).build().start()) {
            JsonNode cfg = call(client, "outpost.config").result().orElseThrow();
            assertThat(cfg.get("outpost.worker.max-attempts").asText()).isEqualTo("5");
            assertThat(cfg.get("outpost.worker.pollers").asText()).isEqualTo("4"); // in-process, each slot polls
            assertThat(cfg.get("outpost.worker.prefetch").asText()).isEqualTo("0"); // an in-process transport holds none
            assertThat(cfg.get("outpost.worker.drain-timeout").asText()).isEqualTo("1s");
            assertThat(cfg.get("outpost.worker.poll-wait").asText()).isEqualTo("50ms");
            assertThat(cfg.get("outpost.worker.concurrency").asText()).isEqualTo("4");
            assertThat(cfg.get("outpost.worker.id").asText()).isEqualTo(worker.id());

            JsonNode status = call(client, "outpost.status").result().orElseThrow();
            assertThat(status.get("concurrency").asInt()).isEqualTo(4);
        }
    }

    @Test
    void anInProcessWorkerReportsTheThreadsThatPollAsItsPollers() throws Exception {
        // pollers "auto" means 8 on a network transport; in-process each of the 3 slots polls for itself
        Codec ops = new TrustingCodec(Sender.of("k1", "ops"));
        try (InMemoryTransport transport = InMemoryTransport.create();
                Worker worker = Worker.builder(transport).configure(OutpostConfig.builder()
                        .set("outpost.collectors.allow", "outpost.*").build()).codec(ops).concurrency(3)
                        .pollWait(Duration.ofMillis(50)).build().start();
                Client client = Client.builder(transport).codec(ops).pollWait(Duration.ofMillis(50)).build().start()) {
            JsonNode cfg = call(client, "outpost.config").result().orElseThrow();
            assertThat(worker.status().threads()).hasSize(3);
            assertThat(cfg.get("outpost.worker.pollers").asText()).isEqualTo("3");
        }
    }

    @Test
    void aThreadStillInItsFirstPollReportsWhenItStartedNotTheEpoch() throws Exception {
        java.time.Instant t0 = java.time.Instant.parse("2026-12-05T10:00:00Z");
        try (InMemoryTransport transport = InMemoryTransport.create();
                Worker worker = Worker.builder(transport).pollWait(Duration.ofMinutes(5))
                        .clock(java.time.Clock.fixed(t0, java.time.ZoneOffset.UTC))
                        .collector(Collectors.of("disk", (r, c) -> "ok"))
                        .build().start()) {
            await().until(() -> worker.status().threads().stream().allMatch(WorkerStatus.ThreadHealth::alive));
            assertThat(worker.status().threads()).isNotEmpty().allSatisfy(t -> assertThat(t.lastActive()).isEqualTo(t0));
        }
    }

    @Test
    void aWorkerThatCannotReceiveIsNotHealthyUntilItCanAgain() throws Exception {
        TappedTransport transport = new TappedTransport(InMemoryTransport.create());
        try (Worker worker = Worker.builder(transport).pollWait(Duration.ofMillis(20))
                .collector(Collectors.of("disk", (r, c) -> "ok")).build().start()) {
            await().until(() -> worker.status().healthy());
            transport.failReceives(true);
            await().until(() -> !worker.status().healthy());
            assertThat(worker.status().receiveFailure()).hasValueSatisfying(f -> assertThat(f).contains("injected receive outage"));
            assertThat(worker.status().counters().transportErrors()).isPositive();
            transport.failReceives(false);
            await().until(() -> worker.status().healthy());
            assertThat(worker.status().receiveFailure()).isEmpty();
        }
    }

    @Test
    void aRemoteCallerOfStatusLearnsWhatKindOfErrorThePollersMetNotItsText() throws Exception {
        // a transport's error text names internal hosts, accounts and queues; it stayed in every later status
        TappedTransport transport = new TappedTransport(InMemoryTransport.create());
        try (Worker worker = Worker.builder(transport).pollWait(Duration.ofMillis(20))
                .collector(Collectors.of("disk", (r, c) -> "ok")).build().start();
                Client client = Client.builder(transport).pollWait(Duration.ofMillis(20)).build().start()) {
            await().until(() -> worker.status().healthy());
            transport.failReceives(true);
            await().until(() -> worker.status().threads().stream().allMatch(t -> !t.lastError().isEmpty()));
            transport.failReceives(false);
            await().until(() -> worker.status().healthy());
            assertThat(worker.status().threads()).allSatisfy(t -> assertThat(t.lastError()).contains("injected receive outage"));

            JsonNode status = call(client, "outpost.status").result().orElseThrow();
            assertThat(status.toString()).doesNotContain("injected receive outage");
            assertThat(status.findValuesAsText("lastError")).isNotEmpty()
                    .allSatisfy(e -> assertThat(e).isEqualTo("dev.outpost.spi.TransportException (the worker's log has the detail)"));
        }
    }

    @Test
    void refusalsAreCountedByReason() throws Exception {
        try (InMemoryTransport transport = InMemoryTransport.create();
                Worker worker = Worker.builder(transport).pollWait(Duration.ofMillis(50))
                        .collector(Collectors.of("disk", (r, c) -> "ok"))
                        .build().start();
                Client client = Client.builder(transport).pollWait(Duration.ofMillis(50)).build().start()) {
            for (int i = 0; i < 3; i++) {
                assertThat(call(client, "nope").error().orElseThrow().code()).isEqualTo("unknown-collector");
            }
            assertThat(call(client, "outpost.config").error().orElseThrow().code()).isEqualTo("disallowed-collector");
            await().untilAsserted(() -> assertThat(worker.status().refusals())
                    .containsEntry("unknown-collector", 3L).containsEntry("disallowed-collector", 1L));
            assertThat(worker.status().counters().rejected()).isEqualTo(4);
        }
    }

    private static Response call(Client client, String collector) throws Exception {
        return client.call(Request.builder(collector).build(), Duration.ofSeconds(5)).get();
    }

    @Test
    void aDurationTooLongToKeepInNanosecondsIsABadValueNamingItsKey() {
        OutpostConfig config = OutpostConfig.builder().set("outpost.worker.drain-timeout", "100000000000d").build();
        try (InMemoryTransport transport = InMemoryTransport.create()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Worker.builder(transport).configure(config)
                            .collector(Collectors.of("disk", (r, c) -> "ok")).build())
                    .isInstanceOfSatisfying(dev.outpost.ConfigException.class, e -> assertThat(e.problems()).singleElement()
                            .satisfies(p -> {
                                assertThat(p.key()).isEqualTo("outpost.worker.drain-timeout");
                                assertThat(p.message()).contains("at most 36500d");
                            }));
        }
    }

    @Test
    void aCollectorTimeoutTooLongToKeepInNanosecondsIsRefusedAtBuildNotInEveryRun() {
        try (InMemoryTransport transport = InMemoryTransport.create()) {
            OutpostConfig config = OutpostConfig.builder().set("outpost.collectors.disk.timeout", "100000000000d").build();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Worker.builder(transport).configure(config)
                            .collector(Collectors.of("disk", (r, c) -> "ok")).build())
                    .isInstanceOfSatisfying(dev.outpost.ConfigException.class, e -> assertThat(e.problems()).singleElement()
                            .satisfies(p -> {
                                assertThat(p.key()).isEqualTo("outpost.collectors.disk.timeout");
                                assertThat(p.message()).contains("at most 36500d");
                            }));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Worker.builder(transport)
                            .timeout("disk", Duration.ofDays(1_000_000)).collector(Collectors.of("disk", (r, c) -> "ok")).build())
                    .isInstanceOfSatisfying(dev.outpost.ConfigException.class, e -> assertThat(e.problems()).singleElement()
                            .satisfies(p -> assertThat(p.message()).contains("at most 36500d")));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Worker.builder(transport)
                            .timeout(Duration.ofDays(1_000_000)).collector(Collectors.of("disk", (r, c) -> "ok")).build())
                    .isInstanceOf(dev.outpost.ConfigException.class).hasMessageContaining("at most 36500d");
        }
    }
}
