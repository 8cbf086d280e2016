package dev.outpost.inmemory.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Who takes a message handed back at once: a receiver waiting for one, before the receiver that handed it back. */
class MemoryQueueHandBackTest {
    private final AtomicLong now = new AtomicLong();
    private final MemoryQueue queue = new MemoryQueue("q",
            new MemoryQueue.Settings(Duration.ofSeconds(30), Duration.ZERO, 0, null, 256 * 1024), now::get,
            new MemoryQueue.Accounting() {
                @Override
                public void released(long bytes) {}

                @Override
                public void redrive(String deadLetterQueue, Message message, String messageId) {}

                @Override
                public void count(int op) {}
            });

    @AfterEach
    void close() {
        queue.close();
    }

    private static Message text(String s) {
        return Message.of(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(Delivery d) {
        return new String(d.message().body(), StandardCharsets.UTF_8);
    }

    @Test
    void aMessageHandedBackGoesToTheReceiverWaitingNotBackToTheThreadThatHandedItBack() throws Exception {
        ExecutorService otherReceiver = Executors.newSingleThreadExecutor();
        try {
            queue.add(List.of(text("for another")), null);
            Delivery held = queue.receive(10, Duration.ZERO).get(0);
            for (int round = 1; round <= 50; round++) {
                Future<List<Delivery>> other = otherReceiver.submit(() -> queue.receive(10, Duration.ofSeconds(30)));
                Awaitility.await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).atMost(Duration.ofSeconds(10)).until(() -> queue.waitingReceivers() == 1);

                held.retry(Duration.ZERO);

                // before: this thread, running, took it back ahead of the waiter still waking up (in most rounds)
                assertThat(queue.receive(10, Duration.ZERO)).as("round %d", round).isEmpty();
                List<Delivery> taken = other.get(10, TimeUnit.SECONDS);
                assertThat(taken).extracting(MemoryQueueHandBackTest::text).containsExactly("for another");
                // the other receiver hands it back in turn, and this thread, the only receiver then, takes it
                otherReceiver.submit(() -> taken.get(0).retry(Duration.ZERO)).get(10, TimeUnit.SECONDS);
                held = queue.receive(10, Duration.ZERO).get(0);
                assertThat(held.receiveCount()).isEqualTo(2 * round + 1);
            }
        } finally {
            otherReceiver.shutdownNow();
        }
    }

    @Test
    void withNoReceiverWaitingTheThreadThatHandedItBackTakesItAgain() throws Exception {
        queue.add(List.of(text("only one reader")), null);
        queue.receive(10, Duration.ZERO).get(0).retry(Duration.ZERO);

        List<Delivery> again = queue.receive(10, Duration.ZERO);

        assertThat(again).extracting(MemoryQueueHandBackTest::text).containsExactly("only one reader");
        assertThat(again.get(0).receiveCount()).isEqualTo(2);
    }

    @Test
    void messagesBehindTheOneHandedBackAreNotHeldForTheWaiter() throws Exception {
        queue.add(List.of(text("first")), null);
        Delivery first = queue.receive(1, Duration.ZERO).get(0);
        first.retry(Duration.ZERO);
        queue.add(List.of(text("second")), null);

        // nobody waits: this thread takes both, the one it handed back first as before
        assertThat(queue.receive(10, Duration.ZERO)).extracting(MemoryQueueHandBackTest::text)
                .containsExactly("first", "second");
    }
}
