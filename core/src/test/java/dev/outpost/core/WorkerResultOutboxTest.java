package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.NoSuchDestinationException;
import dev.outpost.spi.Transport;
import dev.outpost.spi.TransportException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The worker's result outbox: while the reply destination fails (down, or missing) the answer is
 * kept on disk and the request acked; the collector runs once, and the answer arrives after the
 * recovery. (A kill -9 between collect and publish is broker-kv's {@code WorkerCrashTest}.)
 */
class WorkerResultOutboxTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void anAnswerThatCannotBePublishedIsPublishedFromDiskAfterTheRecovery(boolean missing) throws Exception {
        InMemoryTransport memory = InMemoryTransport.create();
        FailingReplies transport = new FailingReplies(memory, missing);
        AtomicInteger runs = new AtomicInteger();
        Path outbox = dir.resolve("outbox");
        try (Worker worker = Worker.builder(transport).id("w1")
                .collector(Collectors.of("work", (r, c) -> Json.object().put("run", runs.incrementAndGet())))
                .configure(OutpostConfig.builder().set("outpost.worker.outbox.dir", outbox.toString()).build())
                .pollWait(Duration.ofMillis(50)).backoff(Duration.ofMillis(20), Duration.ofMillis(50)).build().start();
                Client client = Client.builder(memory).pollWait(Duration.ofMillis(50)).build().start()) {
            transport.failing = true;
            CompletableFuture<Response> call = client.call(Request.builder("work").build(), Duration.ofSeconds(30));
            // the answer is on disk, the request acked, nothing published yet
            await().atMost(Duration.ofSeconds(10)).until(() -> worker.status().counters().succeeded() == 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> memory.depth("requests").orElse(-1) == 0);
            List<Path> kept = files(outbox);
            assertThat(kept).hasSize(1);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(kept.get(0)))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(outbox))).isEqualTo("rwx------");
            await().atMost(Duration.ofSeconds(10)).until(() -> transport.refused.get() >= 3); // the outbox keeps trying
            assertThat(call).isNotDone();
            assertThat(memory.peek("dead-letter")).isEmpty();

            transport.failing = false;
            Response r = call.get(20, TimeUnit.SECONDS);
            assertThat(r.isOk()).isTrue();
            assertThat(r.result().orElseThrow().get("run").asInt()).isEqualTo(1);
            assertThat(runs).hasValue(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> files(outbox).isEmpty());
        }
    }

    @Test
    void anAnswerWhoseAckWasNotConfirmedLeavesTheOutboxAfterTheRetention() throws Exception {
        InMemoryTransport memory = InMemoryTransport.create();
        LostAcks transport = new LostAcks(memory);
        dev.outpost.testkit.TestClock time = dev.outpost.testkit.TestClock.create();
        Path outbox = dir.resolve("outbox");
        try (Worker worker = Worker.builder(transport).id("w1").ticker(time.ticker())
                .collector(Collectors.of("work", (r, c) -> "done"))
                .configure(OutpostConfig.builder().set("outpost.worker.outbox.dir", outbox.toString()).build())
                .pollWait(Duration.ofMillis(50)).build().start();
                Client client = Client.builder(memory).pollWait(Duration.ofMillis(50)).build().start()) {
            assertThat(client.call(Request.builder("work").build(), Duration.ofSeconds(30)).get(10, TimeUnit.SECONDS).isOk())
                    .isTrue();
            // the message is gone from the queue, so no redelivery will ever mark its answer as acked
            await().atMost(Duration.ofSeconds(10)).until(() -> memory.inFlight("requests") == 0 && transport.lost.get() == 1);
            assertThat(files(outbox)).hasSize(1);
            time.advance(Duration.ofMinutes(10).plusSeconds(1)); // outpost.worker.outbox.retention
            // before: published, never marked acked, and not recovered at a start: kept (and counted) until a restart
            await().atMost(Duration.ofSeconds(10)).until(() -> files(outbox).isEmpty());
        }
    }

    /** Acks go through, but their confirmation is lost: the ack's future fails (a timeout on the delete's answer). */
    private static final class LostAcks implements Transport {
        private final Transport delegate;
        final AtomicInteger lost = new AtomicInteger();

        LostAcks(Transport delegate) {
            this.delegate = delegate;
        }

        @Override
        public CompletableFuture<Void> send(String destination, Message message) {
            return delegate.send(destination, message);
        }

        @Override
        public List<Delivery> receive(String source, int maxMessages, Duration wait) throws InterruptedException {
            return delegate.receive(source, maxMessages, wait).stream().map(d -> (Delivery) new ForwardingDelivery(d) {
                @Override
                public CompletableFuture<Void> ack() {
                    d.ack();
                    lost.incrementAndGet();
                    return CompletableFuture.failedFuture(new TransportException(source, "timed out waiting for the answer"));
                }
            }).toList();
        }

        @Override
        public boolean receivesLocally() {
            return delegate.receivesLocally();
        }

        @Override
        public void close() {
            delegate.close();
        }
    }

    private static List<Path> files(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".msg")).toList();
        }
    }

    /** Sends to the client's reply destination fail while {@code failing}: as a transport outage, or as a missing queue. */
    private static final class FailingReplies implements Transport {
        private final Transport delegate;
        private final boolean missing;
        volatile boolean failing;
        final AtomicInteger refused = new AtomicInteger();

        FailingReplies(Transport delegate, boolean missing) {
            this.delegate = delegate;
            this.missing = missing;
        }

        @Override
        public CompletableFuture<Void> send(String destination, Message message) {
            if (failing && destination.startsWith(Client.DEFAULT_REPLY_PREFIX)) {
                refused.incrementAndGet();
                return CompletableFuture.failedFuture(missing
                        ? new NoSuchDestinationException(destination, "no such queue")
                        : new TransportException(destination, "connection refused"));
            }
            return delegate.send(destination, message);
        }

        @Override
        public List<Delivery> receive(String source, int maxMessages, Duration wait) throws InterruptedException {
            return delegate.receive(source, maxMessages, wait);
        }

        @Override
        public boolean receivesLocally() {
            return delegate.receivesLocally();
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
