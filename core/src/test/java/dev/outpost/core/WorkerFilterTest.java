package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.RejectReason;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.inmemory.InMemoryTransport;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Request filters refuse before the collector runs, answering and dead-lettering as they say; expired requests are answered. */
class WorkerFilterTest {
    private InMemoryTransport transport;
    private Worker worker;
    private Client client;
    private final AtomicInteger ran = new AtomicInteger();

    @BeforeEach
    void start() {
        transport = InMemoryTransport.create();
        worker = Worker.builder(transport)
                .id("w1")
                .collector(Collectors.of("echo", (r, c) -> {
                    ran.incrementAndGet();
                    return r.params();
                }))
                .filter((r, s) -> Optional.ofNullable(r.attributes().get("mode")).filter("cancel"::equals).map(m ->
                        new RequestFilter.Refusal(RejectReason.of("cancelled", true), "rollout cancelled", true, false)))
                .filter((r, s) -> Optional.ofNullable(r.attributes().get("mode")).filter("skip"::equals).map(m ->
                        new RequestFilter.Refusal(RejectReason.of("not-selected", false), "not selected", false, false)))
                .filter((r, s) -> Optional.ofNullable(r.attributes().get("mode")).filter("bad"::equals).map(m ->
                        new RequestFilter.Refusal(RejectReason.of("refused", false), "refused here", false, true)))
                .pollWait(Duration.ofMillis(100))
                .build()
                .start();
        client = Client.builder(transport).pollWait(Duration.ofMillis(100)).build().start();
    }

    @AfterEach
    void stop() {
        client.close();
        worker.close();
        transport.close();
    }

    @Test
    void aRefusalWithAnswerIsAnsweredAndNotDeadLettered() throws Exception {
        Response r = client.call(Request.builder("echo").attribute("mode", "cancel").build(), Duration.ofSeconds(5)).get();
        assertThat(r.status()).isEqualTo(ResponseStatus.REJECTED);
        assertThat(r.error().orElseThrow().code()).isEqualTo("cancelled");
        assertThat(r.error().orElseThrow().message()).contains("rollout cancelled");
        assertThat(ran).hasValue(0);
        assertThat(transport.peek("dead-letter")).isEmpty();
    }

    @Test
    void aQuietRefusalIsAckedWithoutACopyAndTheNextRequestRuns() throws Exception {
        client.call(Request.builder("echo").attribute("mode", "skip").build(), Duration.ofMillis(300))
                .exceptionally(e -> null).get();
        await().atMost(Duration.ofSeconds(5)).until(() -> worker.status().counters().rejected() == 1);
        assertThat(transport.depth("requests").orElse(0)).isZero();
        assertThat(transport.peek("dead-letter")).isEmpty();
        assertThat(client.call(Request.builder("echo").param("n", 1).build(), Duration.ofSeconds(5)).get().isOk()).isTrue();
        assertThat(ran).hasValue(1);
    }

    @Test
    void aRefusalAskingForADeadLetterGetsOneWithItsReason() {
        client.call(Request.builder("echo").attribute("mode", "bad").build(), Duration.ofMillis(300)).exceptionally(e -> null);
        await().atMost(Duration.ofSeconds(5)).until(() -> transport.peek("dead-letter").size() == 1);
        assertThat(transport.peek("dead-letter").get(0).attributes()).containsEntry("outpost-reject-reason", "refused");
        assertThat(ran).hasValue(0);
    }

    @Test
    void anExpiredRequestIsAnsweredExpired() throws Exception {
        Response r = client.call(Request.builder("echo").sentAt(Instant.now().minusSeconds(3600)).ttl(Duration.ofSeconds(1))
                .build(), Duration.ofSeconds(5)).get();
        assertThat(r.status()).isEqualTo(ResponseStatus.REJECTED);
        assertThat(r.error().orElseThrow().code()).isEqualTo("expired");
        assertThat(ran).hasValue(0);
        await().atMost(Duration.ofSeconds(5)).until(() -> transport.peek("dead-letter").size() == 1);
    }
}
