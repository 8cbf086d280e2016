package dev.outpost.host.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.Transport;
import dev.outpost.spi.TransportException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a wrapped transport does to the forwarding thread beyond failing: the loop must go on. */
class OutboxHardeningTest {
    @TempDir
    Path dir;
    private final InMemoryTransport memory = InMemoryTransport.create();

    @AfterEach
    void close() {
        memory.close();
    }

    @Test
    void anInterruptLeftSetByTheWrappedTransportDoesNotEndTheForwarder() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        // a client that caught an InterruptedException of its own, restored the flag and failed the send
        Transport interrupting = new Transport() {
            @Override
            public CompletableFuture<Void> send(String destination, Message message) {
                if (calls.incrementAndGet() == 1) {
                    Thread.currentThread().interrupt();
                    return CompletableFuture.failedFuture(new TransportException(destination, "interrupted (test)"));
                }
                return memory.send(destination, message);
            }

            @Override
            public List<Delivery> receive(String source, int maxMessages, Duration wait) throws InterruptedException {
                return memory.receive(source, maxMessages, wait);
            }

            @Override
            public OptionalLong depth(String source) {
                return memory.depth(source);
            }

            @Override
            public void close() {}
        };
        List<Thread> threads = new CopyOnWriteArrayList<>();
        try (OutboxTransport outbox = OutboxTransport.builder(interrupting, dir).threadFactory(r -> {
                    Thread t = new Thread(r);
                    threads.add(t);
                    return t;
                }).retryDelay(Duration.ofMillis(5), Duration.ofMillis(20)).build().start()) {
            outbox.send("records", Message.of("x".getBytes(StandardCharsets.UTF_8))).join();
            await().atMost(Duration.ofSeconds(20)).until(() -> outbox.delivered() == 1 || !threads.get(0).isAlive());
            assertThat(outbox.delivered()).as("the forwarder went on after the stray interrupt").isEqualTo(1);
            assertThat(outbox.pending()).isZero();
        }
    }

    @Test
    void aStartThatFindsNoThreadTakesNoMessages() throws Exception {
        OutboxTransport outbox = OutboxTransport.builder(memory, dir).threadFactory(r -> {
            throw new IllegalStateException("no threads (test)");
        }).build();
        assertThatThrownBy(outbox::start).hasMessageContaining("no threads (test)");
        // no forwarder runs: a message taken now would wait on disk, its send reported done
        assertThat(outbox.send("records", Message.of("x".getBytes(StandardCharsets.UTF_8))))
                .failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(TransportException.class);
        assertThat(outbox.pending()).isZero();
        assertThat(outbox.shutdown()).succeedsWithin(Duration.ofSeconds(10));
    }

    @Test
    void aSendTimeoutTooLongForMillisecondsStillForwards() throws Exception {
        // "no timeout" written as the longest Duration: more milliseconds than a long holds
        try (OutboxTransport outbox = OutboxTransport.builder(memory, dir).sendTimeout(ChronoUnit.FOREVER.getDuration())
                .retryDelay(Duration.ofMillis(5), Duration.ofMillis(20)).build().start()) {
            outbox.send("records", Message.of("x".getBytes(StandardCharsets.UTF_8))).join();
            await().atMost(Duration.ofSeconds(20)).until(() -> outbox.delivered() == 1 || outbox.failedAttempts() > 0);
            assertThat(outbox.failedAttempts()).isZero();
            assertThat(outbox.delivered()).isEqualTo(1);
        }
    }

    @Test
    void aRetryDelayTooLongForNanosecondsStillLeavesTheForwarderRunning() throws Exception {
        List<Thread> threads = new CopyOnWriteArrayList<>();
        try (InMemoryTransport other = InMemoryTransport.create()) {
            other.close(); // refuses every send: the forwarder backs off
            try (OutboxTransport outbox = OutboxTransport.builder(other, dir).threadFactory(r -> {
                        Thread t = new Thread(r);
                        threads.add(t);
                        return t;
                    }).retryDelay(Duration.ofDays(1_000_000), Duration.ofDays(1_000_000)).build().start()) {
                outbox.send("records", Message.of("x".getBytes(StandardCharsets.UTF_8))).join();
                await().atMost(Duration.ofSeconds(20)).until(() -> outbox.failedAttempts() > 0);
                // it backs off (for a million days) or has died: which one shows once it is past the failure
                await().atMost(Duration.ofSeconds(20)).until(() -> !threads.get(0).isAlive()
                        || threads.get(0).getState() == Thread.State.TIMED_WAITING);
                assertThat(threads.get(0).isAlive()).as("the forwarder backs off, it does not die").isTrue();
            }
        }
    }

    @Test
    void aBatchBeingSentThatHoldsMostOfTheBytesDoesNotLetDropOldestPassTheBound() throws Exception {
        FlakyTransport flaky = new FlakyTransport(memory);
        flaky.gate = new CompletableFuture<>(); // the destination hangs: what is being sent stays in flight
        try (OutboxTransport outbox = OutboxTransport.builder(flaky, dir).maxBytes(2048)
                .whenFull(OutboxTransport.WhenFull.DROP_OLDEST).retryDelay(Duration.ofMillis(5), Duration.ofMillis(20))
                .build().start()) {
            outbox.send("records", Message.of(new byte[1400])).join();
            await().atMost(Duration.ofSeconds(20)).until(() -> flaky.held.size() == 1);
            // 1400 bytes are being sent and cannot be dropped; nothing else waits that could make room
            CompletableFuture<Void> second = outbox.send("records", Message.of(new byte[700]));
            assertThat(outbox.pendingBytes()).as("the outbox's bytes bound").isLessThanOrEqualTo(2048);
            assertThat(second).as("the send says its message was not kept").isCompletedExceptionally();
            flaky.gate.complete(null);
            flaky.gate = null;
            await().atMost(Duration.ofSeconds(20)).until(() -> outbox.pending() == 0);
        }
    }
}
