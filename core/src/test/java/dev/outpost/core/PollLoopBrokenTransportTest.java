package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.spi.Delivery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A transport is code the loop does not control: what its receive returns cannot kill a receiving
 * thread or break the count of slots. A null result is a failed receive; null entries are skipped;
 * deliveries beyond what was asked for are handed back, not handled; such a receive counts as failed.
 */
class PollLoopBrokenTransportTest {
    /** Each receive returns the next scripted result, then waits like an empty long poll. */
    static final class ScriptedTransport extends PollLoopBatchTest.AskingTransport {
        final BlockingQueue<Supplier<List<Delivery>>> script = new LinkedBlockingQueue<>();

        @Override
        public List<Delivery> receive(String source, int maxMessages, Duration wait) throws InterruptedException {
            asked.add(maxMessages);
            Supplier<List<Delivery>> next = script.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
            return next == null ? List.of() : next.get();
        }
    }

    private final ScriptedTransport transport = new ScriptedTransport();
    private final BlockingQueue<String> handled = new LinkedBlockingQueue<>();
    private final List<String> handedBack = java.util.Collections.synchronizedList(new ArrayList<>());

    private PollLoop loop(Semaphore slots) {
        return PollLoop.builder(transport, "requests").maxBatch(10).pollWait(Duration.ofMillis(200)).batchWait(Duration.ZERO)
                .freeSlots(slots).handler(d -> {
                    handled.add(d.id());
                    slots.release(); // done at once: its slot comes free
                }).build();
    }

    @Test
    void aNullResultIsAFailedReceiveAndTheThreadGoesOn() throws Exception {
        Semaphore slots = new Semaphore(10);
        transport.script.add(() -> null);
        oneFailedReceiveThenTheNextDelivery(slots);
        assertThat(slots.availablePermits()).isEqualTo(10); // closed: every slot it took is back
    }

    @Test
    void nullEntriesAreSkippedAndTheRestHandled() throws Exception {
        Semaphore slots = new Semaphore(10);
        transport.script.add(() -> Arrays.asList(delivery("a"), null, delivery("b")));
        transport.script.add(() -> List.of(delivery("c")));
        try (PollLoop l = loop(slots)) {
            l.start();
            assertThat(List.of(handled.poll(10, TimeUnit.SECONDS), handled.poll(10, TimeUnit.SECONDS),
                    handled.poll(10, TimeUnit.SECONDS))).containsExactly("a", "b", "c");
            assertThat(l.threads()).allMatch(WorkerStatus.ThreadHealth::alive);
            assertThat(l.receiveFailures()).as("a broken receive, counted where the worker's status shows it").isEqualTo(1);
        }
        assertThat(slots.availablePermits()).isEqualTo(10); // the null's slot came back too
    }

    @Test
    void deliveriesBeyondWhatWasAskedForAreHandedBackNotHandled() throws Exception {
        Semaphore slots = new Semaphore(2);
        transport.script.add(() -> List.of(delivery("1"), delivery("2"), delivery("3"), delivery("4")));
        transport.script.add(() -> List.of(delivery("5")));
        try (PollLoop l = loop(slots)) {
            l.start();
            assertThat(List.of(handled.poll(10, TimeUnit.SECONDS), handled.poll(10, TimeUnit.SECONDS),
                    handled.poll(10, TimeUnit.SECONDS))).containsExactly("1", "2", "5");
            assertThat(handedBack).containsExactly("3", "4");
            assertThat(transport.asked.stream().mapToInt(Integer::intValue).max().orElseThrow()).isEqualTo(2);
            assertThat(l.receiveFailures()).isEqualTo(1);
        }
        assertThat(slots.availablePermits()).isEqualTo(2); // none made out of thin air
    }

    @Test
    void aResultWhoseElementsThrowIsAFailedReceiveAndTheThreadGoesOn() throws Exception {
        Semaphore slots = new Semaphore(10);
        // a lazy view (a mapped list) whose mapping fails on one message
        transport.script.add(() -> new java.util.AbstractList<Delivery>() {
            @Override
            public Delivery get(int i) {
                if (i == 1) {
                    throw new IllegalArgumentException("malformed message (test)");
                }
                return delivery("lazy-" + i);
            }

            @Override
            public int size() {
                return 2;
            }
        });
        oneFailedReceiveThenTheNextDelivery(slots);
        assertThat(slots.availablePermits()).isEqualTo(10); // before: the thread died holding the receive's slots
    }

    @Test
    void aDeliveryWhoseIdThrowsDoesNotEndTheThread() throws Exception {
        Semaphore slots = new Semaphore(10);
        PollLoop l = PollLoop.builder(transport, "requests").maxBatch(10).pollWait(Duration.ofMillis(200))
                .batchWait(Duration.ZERO).freeSlots(slots).handler(d -> {
                    slots.release();
                    handled.add(d.id()); // the hostile one throws here, and again when the loop names it
                }).build();
        transport.script.add(() -> List.of(new Hostile()));
        transport.script.add(() -> List.of(delivery("after")));
        try (l) {
            l.start();
            assertThat(handled.poll(10, TimeUnit.SECONDS)).isEqualTo("after");
            assertThat(l.handlerFailures()).isEqualTo(1);
        }
    }

    private Delivery delivery(String id) {
        return new ForwardingDelivery(PollLoopBatchTest.delivery(0)) {
            @Override
            public String id() {
                return id;
            }

            @Override
            public CompletableFuture<Void> retry(Duration delay) {
                handedBack.add(id);
                return CompletableFuture.completedFuture(null);
            }
        };
    }

    /** A delivery whose id() throws. */
    private static final class Hostile extends ForwardingDelivery {
        Hostile() {
            super(PollLoopBatchTest.delivery(0));
        }

        @Override
        public String id() {
            throw new IllegalStateException("no id");
        }
    }

    /** The scripted receive before fails; the thread goes on to the next, which brings "after". */
    private void oneFailedReceiveThenTheNextDelivery(Semaphore slots) throws Exception {
        transport.script.add(() -> List.of(delivery("after")));
        try (PollLoop l = loop(slots)) {
            l.start();
            assertThat(handled.poll(10, TimeUnit.SECONDS)).isEqualTo("after");
            assertThat(l.receiveFailures()).isEqualTo(1);
            assertThat(l.threads()).allMatch(WorkerStatus.ThreadHealth::alive);
        }
    }
}
