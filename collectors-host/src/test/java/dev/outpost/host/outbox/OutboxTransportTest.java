package dev.outpost.host.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.Response;
import dev.outpost.core.Scheduler;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.inmemory.QueueOptions;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.spi.Collector;
import dev.outpost.spi.Message;
import dev.outpost.spi.TransportException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutboxTransportTest {
    @TempDir
    Path dir;
    private final InMemoryTransport memory = InMemoryTransport.create();
    private final FlakyTransport flaky = new FlakyTransport(memory);

    @AfterEach
    void close() {
        memory.close();
    }

    private OutboxTransport outbox(int max, OutboxTransport.WhenFull policy) throws Exception {
        return OutboxTransport.builder(flaky, dir).maxMessages(max).whenFull(policy)
                .retryDelay(Duration.ofMillis(5), Duration.ofMillis(40)).build().start();
    }

    private static Message msg(int n) {
        return Message.of(Integer.toString(n).getBytes(StandardCharsets.UTF_8), Map.of("n", Integer.toString(n)));
    }

    private static int number(Message m) {
        return Integer.parseInt(new String(m.body(), StandardCharsets.UTF_8));
    }

    private List<Integer> acceptedNumbers() {
        return flaky.accepted.stream().map(OutboxTransportTest::number).toList();
    }

    @Test
    void samplesTakenWhileTheDestinationIsDownAreAllDeliveredInOrder() throws Exception {
        AtomicInteger taken = new AtomicInteger();
        Collector sample = Collector.of("_sample", (request, context) -> Map.of("n", taken.incrementAndGet()));
        flaky.down = true;
        try (OutboxTransport outbox = outbox(10_000, OutboxTransport.WhenFull.DROP_OLDEST)) {
            Scheduler scheduler = Scheduler.builder(outbox).job(Scheduler.Job.every(Duration.ofMillis(10), sample, "records"))
                    .build().start();
            await().atMost(Duration.ofSeconds(20)).until(() -> outbox.pending() >= 25 && flaky.refused.get() >= 3);
            assertThat(flaky.accepted).isEmpty();
            assertThat(memory.depth("records").orElse(0)).isZero();
            flaky.down = false;
            await().atMost(Duration.ofSeconds(20)).until(() -> flaky.accepted.size() >= taken.get() - 1 && taken.get() > 40);
            scheduler.close();
            await().atMost(Duration.ofSeconds(20)).until(() -> outbox.pending() == 0);
            assertThat(outbox.dropped()).isZero();
            JsonCodec codec = JsonCodec.create();
            List<Integer> delivered = flaky.accepted.stream()
                    .map(m -> codec.decodeResponse(m.body()).document())
                    .map(Response::result).map(r -> r.orElseThrow().path("n").asInt()).toList();
            assertThat(delivered).as("nothing lost, nothing twice, oldest first")
                    .isEqualTo(IntStream.rangeClosed(1, taken.get()).boxed().toList());
            assertThat(memory.depth("records").orElseThrow()).isEqualTo(taken.get());
        }
    }

    @Test
    void whenFullTheOldestAreDroppedAndTheBoundHolds() throws Exception {
        flaky.gate = new CompletableFuture<>(); // the destination hangs: what is being sent stays in flight
        try (OutboxTransport outbox = outbox(5, OutboxTransport.WhenFull.DROP_OLDEST)) {
            outbox.send("records", msg(1)).join();
            await().atMost(Duration.ofSeconds(10)).until(() -> flaky.held.size() == 1);
            for (int i = 2; i <= 12; i++) {
                assertThat(outbox.send("records", msg(i))).isCompleted();
                assertThat(outbox.pending()).isLessThanOrEqualTo(5);
            }
            assertThat(outbox.dropped()).isEqualTo(7);
            flaky.gate.complete(null);
            flaky.gate = null;
            await().atMost(Duration.ofSeconds(10)).until(() -> outbox.pending() == 0);
            // the oldest waiting go; the one being sent when the outbox filled is never dropped under it
            assertThat(acceptedNumbers()).containsExactly(1, 9, 10, 11, 12);
        }
    }

    @Test
    void aBatchBeingSentIsNotDroppedWhileTheOutboxFillsBehindIt() throws Exception {
        flaky.gate = new CompletableFuture<>();
        try (OutboxTransport outbox = outbox(5, OutboxTransport.WhenFull.DROP_OLDEST)) {
            for (int i = 1; i <= 4; i++) {
                outbox.send("records", msg(i)).join();
            }
            // the outbox takes as many of them as had arrived when it woke, up to 4 (one stays droppable)
            await().atMost(Duration.ofSeconds(10)).until(() -> !flaky.held.isEmpty());
            List<Integer> inFlight = flaky.held.get(0).stream().map(OutboxTransportTest::number).toList();
            for (int i = 5; i <= 12; i++) {
                outbox.send("records", msg(i)).join();
                assertThat(outbox.pending()).isLessThanOrEqualTo(5);
            }
            flaky.gate.complete(null);
            flaky.gate = null;
            await().atMost(Duration.ofSeconds(10)).until(() -> outbox.pending() == 0);
            List<Integer> got = acceptedNumbers();
            assertThat(got).hasSize(5).isSorted().startsWith(inFlight.toArray(Integer[]::new)).endsWith(12);
            assertThat(outbox.dropped()).isEqualTo(7);
        }
    }

    @Test
    void rejectNewKeepsWhatIsWaitingAndFailsTheSend() throws Exception {
        flaky.down = true;
        try (OutboxTransport outbox = outbox(5, OutboxTransport.WhenFull.REJECT_NEW)) {
            for (int i = 1; i <= 8; i++) {
                CompletableFuture<Void> f = outbox.send("records", msg(i));
                if (i <= 5) {
                    assertThat(f).isCompleted();
                } else {
                    assertThat(f).isCompletedExceptionally();
                    assertThat(f).failsWithin(Duration.ZERO).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                            .havingCause().isInstanceOf(TransportException.class).withMessageContaining("outbox full");
                }
            }
            assertThat(outbox.rejected()).isEqualTo(3);
            flaky.down = false;
            await().atMost(Duration.ofSeconds(10)).until(() -> outbox.pending() == 0);
            assertThat(acceptedNumbers()).containsExactly(1, 2, 3, 4, 5);
        }
    }

    @Test
    void whatWaitsSurvivesARestartOfTheAgent() throws Exception {
        flaky.down = true;
        try (OutboxTransport outbox = outbox(100, OutboxTransport.WhenFull.DROP_OLDEST)) {
            for (int i = 1; i <= 3; i++) {
                outbox.send("records", msg(i)).join();
            }
        }
        flaky.down = false;
        try (OutboxTransport outbox = outbox(100, OutboxTransport.WhenFull.DROP_OLDEST)) {
            outbox.send("records", msg(4)).join();
            await().atMost(Duration.ofSeconds(10)).until(() -> outbox.pending() == 0);
            assertThat(acceptedNumbers()).containsExactly(1, 2, 3, 4);
            assertThat(memory.peek("records")).extracting(m -> m.attributes().get("n")).containsExactly("1", "2", "3", "4");
        }
    }

    @Test
    void aBacklogIsForwardedTenToABatchInOrder() throws Exception {
        flaky.down = true;
        try (OutboxTransport outbox = outbox(10_000, OutboxTransport.WhenFull.DROP_OLDEST)) {
            for (int i = 1; i <= 25; i++) {
                outbox.send("records", msg(i)).join();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> flaky.refused.get() >= 1); // the outage was seen
            flaky.down = false;
            await().atMost(Duration.ofSeconds(10)).until(() -> outbox.pending() == 0);
            assertThat(acceptedNumbers()).isEqualTo(IntStream.rangeClosed(1, 25).boxed().toList());
            // one message probes the destination after the outage, then ten to a batch
            assertThat(flaky.batches).containsExactly(10, 10, 4);
            assertThat(outbox.batchesSent()).isEqualTo(4);
            assertThat(outbox.delivered()).isEqualTo(25);
        }
    }

    @Test
    void aQueueCheckGoesToTheWrappedTransport() throws Exception {
        try (InMemoryTransport strict = InMemoryTransport.builder().autoCreate(false).build()) {
            strict.queue("records", QueueOptions.builder().build());
            try (OutboxTransport outbox = OutboxTransport.builder(strict, dir).build().start()) {
                outbox.verify("records");
                // before: the default check passed everything, so a consumer or worker reading through the outbox
                // polled a misspelt queue for ever instead of failing its start
                assertThatThrownBy(() -> outbox.verify("recrods")).isInstanceOf(dev.outpost.spi.NoSuchDestinationException.class)
                        .hasMessageContaining("recrods");
            }
        }
    }

    @Test
    void messagesForADestinationThatDoesNotExistAreRemovedAfterBoundedAttemptsAndTheRestGoOn() throws Exception {
        try (InMemoryTransport strict = InMemoryTransport.builder().autoCreate(false).build()) {
            strict.queue("records", QueueOptions.builder().build());
            try (OutboxTransport outbox = OutboxTransport.builder(strict, dir).retryDelay(Duration.ofMillis(5), Duration.ofMillis(40))
                    .build().start()) {
                outbox.send("recrods", msg(0)).join(); // a typo in a job's destination
                outbox.send("recrods", msg(1)).join();
                for (int n = 2; n <= 4; n++) {
                    outbox.send("records", msg(n)).join();
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> outbox.pending() == 0);
                assertThat(outbox.undeliverable()).isEqualTo(2);
                assertThat(outbox.delivered()).isEqualTo(3);
                assertThat(strict.depth("records").orElseThrow()).isEqualTo(3);
                assertThat(outbox.failedAttempts()).as("the first message is tried a few times; the next, to the same missing"
                        + " destination, goes at its first refusal").isEqualTo(Forwarder.MAX_ATTEMPTS - 1);
            }
        }
    }

    @Test
    void aQueueMissingWhileItsServerIsRecreatedLosesNothingWhenNothingElseWaitsBehindIt() throws Exception {
        try (InMemoryTransport strict = InMemoryTransport.builder().autoCreate(false).build()) {
            // an SQS server restarted empty: 'records' is back only when provisioning recreates it
            try (OutboxTransport outbox = OutboxTransport.builder(strict, dir).retryDelay(Duration.ofMillis(5), Duration.ofMillis(40))
                    .build().start()) {
                for (int n = 0; n < 3; n++) {
                    outbox.send("records", msg(n)).join();
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> outbox.failedAttempts() >= 2L * Forwarder.MAX_ATTEMPTS || outbox.undeliverable() > 0);
                outbox.send("records", msg(3)).join(); // a sample taken while the queue is still missing
                strict.queue("records", QueueOptions.builder().build());
                await().atMost(Duration.ofSeconds(10)).until(() -> outbox.pending() == 0);
                assertThat(outbox.undeliverable()).as("only what would block another destination is given up").isZero();
                assertThat(outbox.delivered()).isEqualTo(4);
                assertThat(strict.depth("records").orElseThrow()).isEqualTo(4);
            }
        }
    }

    /**
     * REJECT_NEW, full of a missing destination's messages: a send for another destination is refused, so none waits
     * behind them to be seen, yet they block it for good. The refusal counts as another destination waiting.
     */
    @Test
    void aFullOutboxOfAMissingDestinationsMessagesDoesNotRefuseAnotherDestinationForGood() throws Exception {
        try (InMemoryTransport strict = InMemoryTransport.builder().autoCreate(false).build()) {
            strict.queue("records", QueueOptions.builder().build());
            try (OutboxTransport outbox = OutboxTransport.builder(strict, dir).retryDelay(Duration.ofMillis(5), Duration.ofMillis(40))
                    .maxMessages(3).whenFull(OutboxTransport.WhenFull.REJECT_NEW).build().start()) {
                for (int n = 0; n < 3; n++) {
                    outbox.send("typo", msg(n)).join(); // a job's destination that will never exist
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> outbox.failedAttempts() >= 2L * Forwarder.MAX_ATTEMPTS);
                assertThat(outbox.send("records", msg(3))).as("refused while full").isCompletedExceptionally();
                // before: kept for ever (nothing behind them), and every send to 'records' refused
                await().atMost(Duration.ofSeconds(10)).until(() -> !outbox.send("records", msg(4)).isCompletedExceptionally());
                await().atMost(Duration.ofSeconds(10)).until(() -> strict.depth("records").orElseThrow() >= 1);
                assertThat(outbox.undeliverable()).isEqualTo(3);
            }
        }
    }

    @Test
    void anErrorThrownByTheWrappedTransportDoesNotStopTheForwarder() throws Exception {
        flaky.throwNext = new AssertionError("a broken transport (test)");
        try (OutboxTransport outbox = outbox(10_000, OutboxTransport.WhenFull.DROP_OLDEST)) {
            outbox.send("records", msg(1)).join();
            outbox.send("records", msg(2)).join();
            await().atMost(Duration.ofSeconds(10)).until(() -> outbox.pending() == 0);
            assertThat(outbox.failedAttempts()).isEqualTo(1);
            assertThat(acceptedNumbers()).containsExactly(1, 2);
        }
    }

    @Test
    void nothingIsOpenedBeforeStartAndASendBeforeItFails() throws Exception {
        OutboxTransport outbox = OutboxTransport.builder(flaky, dir.resolve("later")).build();
        assertThat(dir.resolve("later")).doesNotExist();
        assertThat(outbox.send("records", msg(1))).isCompletedExceptionally();
        outbox.start();
        assertThat(dir.resolve("later")).isDirectory();
        assertThatThrownBy(outbox::start).isInstanceOf(IllegalStateException.class);
        CompletableFuture<dev.outpost.ShutdownResult> stop = outbox.shutdown();
        assertThat(outbox.shutdown()).isSameAs(stop);
        assertThat(stop.join().clean()).isTrue();
    }

    @Test
    void configurationIsBoundAndEveryProblemReportedAtOnce() {
        dev.outpost.core.config.OutpostConfig config = dev.outpost.core.config.OutpostConfig.builder()
                .set("outpost.outbox.dir", dir.toString()).set("outpost.outbox.when-full", "drop-newest")
                .set("outpost.outbox.batch-size", "0").build();
        assertThatThrownBy(() -> OutboxTransport.builder(flaky).configure(config).build())
                .isInstanceOfSatisfying(dev.outpost.ConfigException.class, e -> assertThat(e.problems())
                        .extracting(dev.outpost.ConfigException.Problem::key)
                        .containsExactlyInAnyOrder("outpost.outbox.when-full", "outpost.outbox.batch-size"));
        dev.outpost.core.config.OutpostConfig good = dev.outpost.core.config.OutpostConfig.builder()
                .set("outpost.outbox.dir", dir.toString()).set("outpost.outbox.when-full", "reject-new").build();
        assertThat(OutboxTransport.builder(flaky).configure(good).maxMessages(3).build()).isNotNull();
    }
}
