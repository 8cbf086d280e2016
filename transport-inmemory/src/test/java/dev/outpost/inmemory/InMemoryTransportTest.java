package dev.outpost.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.TransportException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class InMemoryTransportTest {
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    private static Message m(String s) {
        return Message.of(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theMemoryBoundRefusesSendsWithATypedErrorAndFreesOnAck() throws Exception {
        try (InMemoryTransport t = InMemoryTransport.builder().maxQueuedBytes(100).build()) {
            t.send("q", Message.of(new byte[60])).join();
            CompletableFuture<Void> refused = t.send("q", Message.of(new byte[60]));
            assertThatThrownBy(refused::join).hasCauseInstanceOf(TransportFullException.class)
                    .cause().hasMessageContaining("'q'").hasMessageContaining("100");
            assertThat(t.queuedBytes()).isEqualTo(60);
            t.receive("q", 1, Duration.ZERO).get(0).ack().join();
            assertThat(t.queuedBytes()).isZero();
            t.send("q", Message.of(new byte[60])).join();
        }
    }

    @Test
    void withAutoCreateOffUnknownDestinationsAreNamedErrors() {
        try (InMemoryTransport t = InMemoryTransport.builder().autoCreate(false)
                .queue("known", QueueOptions.defaults()).build()) {
            assertThatThrownBy(() -> t.send("typo", m("x")).join()).cause()
                    .isInstanceOf(TransportException.class).hasMessageContaining("'typo'");
            assertThatThrownBy(() -> t.receive("typo", 1, Duration.ZERO)).isInstanceOf(TransportException.class);
            t.send("known", m("x")).join();
        }
    }

    @Test
    void aBlockedReceiveHonoursInterruption() throws Exception {
        try (InMemoryTransport t = InMemoryTransport.create()) {
            Future<?> blocked = pool.submit(() -> {
                t.receive("q", 1, Duration.ofSeconds(30));
                return null;
            });
            Thread.sleep(200);
            blocked.cancel(true);
            assertThatThrownBy(() -> blocked.get(5, TimeUnit.SECONDS)).isInstanceOf(java.util.concurrent.CancellationException.class);
            pool.shutdownNow();
            assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void closeWakesBlockedReceiversAndRefusesFurtherUse() throws Exception {
        InMemoryTransport t = InMemoryTransport.create();
        Future<List<Delivery>> blocked = pool.submit(() -> t.receive("q", 1, Duration.ofSeconds(30)));
        Thread.sleep(200);
        t.close();
        assertThat(blocked.get(5, TimeUnit.SECONDS)).isEmpty();
        assertThatThrownBy(() -> t.send("q", m("x")).join()).hasMessageContaining("closed");
    }

    @Test
    void aStaleReceiptCannotDeleteTheMessageAnotherReceiverHolds() throws Exception {
        try (InMemoryTransport t = InMemoryTransport.builder().visibilityTimeout(Duration.ofMillis(100)).build()) {
            t.send("q", m("contested")).join();
            Delivery slow = t.receive("q", 1, Duration.ZERO).get(0);
            Thread.sleep(150);
            Delivery fast = t.receive("q", 1, Duration.ofSeconds(1)).get(0);
            assertThat(fast.receiveCount()).isEqualTo(2);
            slow.ack().join(); // too late: no effect
            slow.retry(Duration.ZERO).join();
            assertThat(t.inFlight("q")).isEqualTo(1);
            assertThat(t.peek("q")).hasSize(1);
            fast.ack().join();
            assertThat(t.peek("q")).isEmpty();
            fast.ack().join(); // acking twice is harmless
        }
    }

    @Test
    void receiveValidatesItsArgumentsAndTopicsAreNotQueues() {
        try (InMemoryTransport t = InMemoryTransport.create()) {
            assertThatThrownBy(() -> t.receive("q", 0, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> t.receive("q", 11, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
            t.topic("events");
            assertThatThrownBy(() -> t.receive("events", 1, Duration.ZERO)).isInstanceOf(TransportException.class)
                    .hasMessageContaining("topic");
            t.send("events", m("nobody listens")).join();
            assertThatThrownBy(() -> t.subscribe("nope", "q")).isInstanceOf(TransportException.class);
        }
    }

    @Test
    void delayedQueuesHoldNewMessagesBack() throws Exception {
        try (InMemoryTransport t = InMemoryTransport.builder()
                .queue("later", QueueOptions.builder().delay(Duration.ofMillis(300)).build()).build()) {
            t.send("later", m("x")).join();
            assertThat(t.receive("later", 1, Duration.ZERO)).isEmpty();
            assertThat(t.peek("later")).hasSize(1);
            assertThat(t.receive("later", 1, Duration.ofSeconds(2))).hasSize(1);
        }
    }

    @Test
    void purgeEmptiesAQueueAndReleasesItsBytes() throws Exception {
        try (InMemoryTransport t = InMemoryTransport.create()) {
            for (int i = 0; i < 5; i++) {
                t.send("q", Message.of(new byte[10])).join();
            }
            t.receive("q", 2, Duration.ZERO);
            t.purge("q");
            assertThat(t.peek("q")).isEmpty();
            assertThat(t.queuedBytes()).isZero();
            assertThat(t.depth("q").getAsLong()).isZero();
        }
    }

    @Test
    void statsCountOperations() throws Exception {
        try (InMemoryTransport t = InMemoryTransport.create()) {
            t.sendBatch("q", List.of(m("a"), m("b"))).join();
            for (Delivery d : t.receive("q", 10, Duration.ZERO)) {
                d.ack().join();
            }
            InMemoryTransport.Stats s = t.stats();
            assertThat(s.sends()).isEqualTo(2);
            assertThat(s.receives()).isEqualTo(1);
            assertThat(s.acks()).isEqualTo(2);
        }
    }

    @Test
    void aQueueCannotBeItsOwnDeadLetterQueue() {
        assertThatThrownBy(() -> InMemoryTransport.builder()
                .queue("q", QueueOptions.builder().redrive(3, "q").build()).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> QueueOptions.builder().redrive(0, "dlq").build()).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void manyThreadsHammeringOneQueueLoseNothing() throws Exception {
        try (InMemoryTransport t = InMemoryTransport.create()) {
            int n = 20_000;
            java.util.concurrent.atomic.AtomicInteger acked = new java.util.concurrent.atomic.AtomicInteger();
            List<Future<?>> consumers = new java.util.ArrayList<>();
            for (int c = 0; c < 4; c++) {
                consumers.add(pool.submit(() -> {
                    while (acked.get() < n) {
                        for (Delivery d : t.receive("q", 10, Duration.ofMillis(50))) {
                            d.ack();
                            acked.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (int p = 0; p < 4; p++) {
                pool.submit(() -> {
                    for (int i = 0; i < n / 4; i++) {
                        t.send("q", Message.of(new byte[8]));
                    }
                });
            }
            for (Future<?> f : consumers) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertThat(acked).hasValue(n);
            assertThat(t.peek("q")).isEmpty();
            assertThat(t.queuedBytes()).isZero();
        } catch (ExecutionException e) {
            throw new AssertionError(e.getCause());
        }
    }
}
