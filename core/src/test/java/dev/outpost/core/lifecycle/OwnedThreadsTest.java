package dev.outpost.core.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OwnedThreadsTest {

    @Test
    void threadsThatEndedAreForgottenSoAServerThatMakesThreadsForEverDoesNotGrow() throws Exception {
        // a server's connection pool makes a thread for a connection and lets it end when idle: one per hostile connect
        OwnedThreads owned = new OwnedThreads("server", Optional.empty());
        for (int i = 0; i < 1_000; i++) {
            Thread t = owned.newThread(() -> { }, "connection-" + i);
            t.start();
            t.join();
        }
        CountDownLatch release = new CountDownLatch(1);
        Thread running = owned.newThread(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "still-running");
        running.start();
        try {
            assertThat(owned.remembered()).as("the ended ones are not kept").isLessThanOrEqualTo(2);
            assertThat(owned.owns(running)).isTrue();
            List<String> alive = owned.awaitTermination(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1));
            assertThat(alive).containsExactly(running.getName());
        } finally {
            release.countDown();
        }
        running.join();
        assertThat(owned.awaitTermination(System.nanoTime())).isEmpty();
    }
}
