package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.CollectorException;
import dev.outpost.ErrorInfo;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Message;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WorkerRetryTest {
    private final InMemoryTransport transport = InMemoryTransport.create();
    private Worker worker;
    private Client client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (worker != null) {
            worker.close();
        }
        transport.close();
    }

    @Test
    void poisonMessageIsRetriedWithGrowingDelaysThenAnsweredAndDeadLettered() throws Exception {
        List<Long> attemptsAt = new CopyOnWriteArrayList<>();
        List<Duration> delays = new CopyOnWriteArrayList<>();
        worker = Worker.builder(transport)
                .collector(Collectors.of("poison", (r, c) -> {
                    attemptsAt.add(System.nanoTime());
                    throw new IllegalStateException("cannot digest attempt " + c.attempt());
                }))
                .maxAttempts(4)
                .backoff(Duration.ofMillis(100), Duration.ofSeconds(2))
                .pollWait(Duration.ofMillis(100))
                .listener(new WorkerListener() {
                    @Override
                    public void onRetry(Request request, int attempt, Duration delay, ErrorInfo error) {
                        delays.add(delay);
                    }
                })
                .build().start();
        client = Client.builder(transport).pollWait(Duration.ofMillis(100)).build().start();

        Response r = client.call(Request.builder("poison").build(), Duration.ofSeconds(20)).get();

        assertThat(attemptsAt).hasSize(4);
        assertThat(r.status()).isEqualTo(ResponseStatus.ERROR);
        assertThat(r.attempt()).isEqualTo(4);
        assertThat(r.error().orElseThrow().code()).isEqualTo("collector-failed");
        // the exception's text stays in the worker's log; the caller gets an incident id to quote
        assertThat(r.error().orElseThrow().message()).contains("incident").doesNotContain("cannot digest");
        // equal jitter: the delay before attempt k+1 lies in [step/2, step] and the step doubles,
        // so each delay is at least the previous one
        assertThat(delays).hasSize(3).isSortedAccordingTo(Duration::compareTo);
        for (int i = 1; i < attemptsAt.size(); i++) {
            long gapMillis = (attemptsAt.get(i) - attemptsAt.get(i - 1)) / 1_000_000;
            assertThat(gapMillis).isGreaterThanOrEqualTo(delays.get(i - 1).toMillis() - 5);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> transport.peek("dead-letter").size() == 1);
        Message dead = transport.peek("dead-letter").get(0);
        assertThat(dead.attributes().get("outpost-reject-reason")).isEqualTo("attempts-exhausted");
        assertThat(dead.attributes().get("outpost-reject-detail")).contains("collector-failed").doesNotContain("cannot digest");
        assertThat(worker.status().counters().retried()).isEqualTo(3);
        assertThat(worker.status().counters().failed()).isEqualTo(1);
    }

    @Test
    void aRetryableFailureDeadLetteredAfterItsLastAttemptIsLogged() throws Exception {
        // refusals are logged at WARN; a CollectorException.retryable that ran out of attempts was copied to the
        // dead-letter queue with nothing in the log above DEBUG, so its operator could not tell why it was there
        ch.qos.logback.classic.Logger workerLog =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("dev.outpost.Worker");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
                new ch.qos.logback.core.read.ListAppender<>();
        logged.start();
        workerLog.addAppender(logged);
        try {
            worker = Worker.builder(transport).id("w-retry")
                    .collector(Collectors.of("busy", (r, c) -> {
                        throw CollectorException.retryable("backend-busy", "the inventory database is busy");
                    }))
                    .maxAttempts(2)
                    .backoff(Duration.ZERO, Duration.ZERO)
                    .pollWait(Duration.ofMillis(100))
                    .build().start();
            client = Client.builder(transport).pollWait(Duration.ofMillis(100)).build().start();
            Response r = client.call(Request.builder("busy").build(), Duration.ofSeconds(10)).get();
            assertThat(r.error().orElseThrow().code()).isEqualTo("backend-busy");
            await().atMost(Duration.ofSeconds(5)).until(() -> worker.status().counters().deadLettered() == 1);
        } finally {
            workerLog.detachAppender(logged);
        }
        assertThat(logged.list).filteredOn(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
                .extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                .anySatisfy(line -> assertThat(line).contains("w-retry").contains("'busy'").contains("attempts-exhausted")
                        .contains("backend-busy: the inventory database is busy"));
    }

    @Test
    void permanentFailuresAreAnsweredAtOnceWithoutDeadLetter() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        worker = Worker.builder(transport)
                .collector(Collectors.of("strict", (r, c) -> {
                    runs.incrementAndGet();
                    throw CollectorException.permanent("bad-target", "target must be a host name");
                }))
                .pollWait(Duration.ofMillis(100))
                .build().start();
        client = Client.builder(transport).pollWait(Duration.ofMillis(100)).build().start();
        Response r = client.call(Request.builder("strict").build(), Duration.ofSeconds(5)).get();
        assertThat(r.error().orElseThrow().code()).isEqualTo("bad-target");
        assertThat(runs).hasValue(1);
        assertThat(transport.peek("dead-letter")).isEmpty();
    }

    @Test
    void transientFailureSucceedsOnALaterAttempt() throws Exception {
        worker = Worker.builder(transport)
                .collector(Collectors.of("flaky", (r, c) -> {
                    if (c.attempt() < 3) {
                        throw CollectorException.retryable("busy", "try later");
                    }
                    return "fine on attempt " + c.attempt();
                }))
                .backoff(Duration.ofMillis(20), Duration.ofMillis(50))
                .pollWait(Duration.ofMillis(100))
                .build().start();
        client = Client.builder(transport).pollWait(Duration.ofMillis(100)).build().start();
        Response r = client.call(Request.builder("flaky").build(), Duration.ofSeconds(5)).get();
        assertThat(r.isOk()).isTrue();
        assertThat(r.attempt()).isEqualTo(3);
        assertThat(r.result().orElseThrow().asText()).isEqualTo("fine on attempt 3");
    }

    @Test
    void aRunPastItsTimeoutIsInterruptedAndCountsAsAFailedAttempt() throws Exception {
        worker = Worker.builder(transport)
                .collector(Collectors.of("slow", (r, c) -> {
                    Thread.sleep(60_000);
                    return "unreachable";
                }))
                .timeout(Duration.ofMillis(200))
                .maxAttempts(1)
                .pollWait(Duration.ofMillis(100))
                .build().start();
        client = Client.builder(transport).pollWait(Duration.ofMillis(100)).build().start();
        Response r = client.call(Request.builder("slow").build(), Duration.ofSeconds(10)).get();
        assertThat(r.error().orElseThrow().code()).isEqualTo("timeout");
        assertThat(worker.status().counters().timedOut()).isEqualTo(1);
    }

    @Test
    void longWorkIsKeptInvisibleByExtension() throws Exception {
        dev.outpost.testkit.TestClock time = dev.outpost.testkit.TestClock.create();
        InMemoryTransport shortVisibility = InMemoryTransport.builder().visibilityTimeout(Duration.ofMillis(300))
                .ticker(time.ticker()).build();
        TappedTransport tapped = new TappedTransport(shortVisibility);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        try (Worker w = Worker.builder(tapped)
                        .collector(Collectors.of("long", (r, c) -> {
                            runs.incrementAndGet();
                            release.await();
                            return "done";
                        }))
                        .visibility(Duration.ofMillis(300))
                        .ticker(time.ticker())
                        .concurrency(2)
                        .pollWait(Duration.ofMillis(50))
                        .build().start();
                Client c = Client.builder(shortVisibility).pollWait(Duration.ofMillis(50)).build().start()) {
            java.util.concurrent.CompletableFuture<Response> answer = c.call(Request.builder("long").build(), Duration.ofSeconds(30));
            await().until(() -> runs.get() == 1);
            for (int i = 1; i <= 5; i++) { // five times 200 ms: far past the 300 ms the message was hidden for
                time.advance(Duration.ofMillis(200));
                int extended = i;
                await().until(() -> tapped.extensions.get() >= extended);
            }
            release.countDown();
            Response r = answer.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(r.isOk()).isTrue();
            assertThat(r.attempt()).isEqualTo(1);
            // without extension the message would have come back at 300 ms and run again on the free slot
            assertThat(runs).hasValue(1);
        } finally {
            shortVisibility.close();
        }
    }

    @Test
    void anAnswerStillBeingPublishedIsKeptInvisible() throws Exception {
        dev.outpost.testkit.TestClock time = dev.outpost.testkit.TestClock.create();
        InMemoryTransport shortVisibility = InMemoryTransport.builder().visibilityTimeout(Duration.ofMillis(300))
                .ticker(time.ticker()).build();
        TappedTransport tapped = new TappedTransport(shortVisibility);
        java.util.concurrent.CompletableFuture<Void> replyQueue = new java.util.concurrent.CompletableFuture<>();
        AtomicInteger publishing = new AtomicInteger();
        // the answer's publish stays open (a slow or throttled reply queue) until the test lets it through
        dev.outpost.spi.Transport slowReplies = new dev.outpost.spi.ForwardingTransport(tapped) {
            @Override
            public java.util.concurrent.CompletableFuture<Void> send(String destination, Message message) {
                publishing.incrementAndGet();
                return replyQueue.thenCompose(v -> tapped.send(destination, message));
            }
        };
        AtomicInteger runs = new AtomicInteger();
        try (Worker w = Worker.builder(slowReplies)
                        .collector(Collectors.of("quick", (r, c) -> {
                            runs.incrementAndGet();
                            return "done";
                        }))
                        .visibility(Duration.ofMillis(300))
                        .ticker(time.ticker())
                        .concurrency(2)
                        .pollWait(Duration.ofMillis(50))
                        .build().start();
                Client c = Client.builder(shortVisibility).pollWait(Duration.ofMillis(50)).build().start()) {
            java.util.concurrent.CompletableFuture<Response> answer = c.call(Request.builder("quick").build(), Duration.ofSeconds(30));
            await().until(() -> publishing.get() == 1);
            for (int i = 1; i <= 5; i++) { // five times 200 ms: far past the 300 ms the message was hidden for
                time.advance(Duration.ofMillis(200));
                int extended = i;
                await().until(() -> tapped.extensions.get() >= extended);
            }
            replyQueue.complete(null);
            Response r = answer.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(r.isOk()).isTrue();
            assertThat(r.attempt()).isEqualTo(1);
            // without extension the message would have come back at 300 ms and run again on the free slot
            assertThat(runs).hasValue(1);
            assertThat(publishing).hasValue(1);
        } finally {
            shortVisibility.close();
        }
    }
}
