package dev.outpost.core.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.ShutdownResult;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.Test;

class LifecycleTest {
    private final List<Thread> made = new CopyOnWriteArrayList<>();
    private final ThreadFactory counting = r -> {
        Thread t = new Thread(r, "test-" + made.size());
        made.add(t);
        return t;
    };

    @Test
    void startsOnceAndRefusesAStartAfterShutdown() {
        Lifecycle l = new Lifecycle("Thing[a]", "thing", Optional.empty());
        assertThatThrownBy(l::checkRunning).hasMessageContaining("Thing[a] is not started");
        l.start();
        assertThat(l.running()).isTrue();
        assertThatThrownBy(l::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("started before");
        l.shutdown(Duration.ofSeconds(1), () -> { }).join();
        assertThat(l.stopped()).isTrue();
        assertThatThrownBy(l::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("shut down");
        assertThatThrownBy(l::checkRunning).hasMessageContaining("is shut down");
    }

    @Test
    void shutdownBeforeStartIsCleanAndRunsNothing() {
        Lifecycle l = new Lifecycle("Thing", new OwnedThreads("thing", Optional.of(counting)));
        ShutdownResult r = l.shutdown(Duration.ofSeconds(1), () -> {
            throw new AssertionError("the stopper must not run: nothing started");
        }).join();
        assertThat(r.clean()).isTrue();
        assertThat(made).isEmpty();
    }

    @Test
    void everyCallGetsTheSameFutureAndTheStopperRunsOnce() {
        Lifecycle l = new Lifecycle("Thing", "thing", Optional.empty());
        l.start();
        int[] stops = new int[1];
        CompletableFuture<ShutdownResult> first = l.shutdown(Duration.ofSeconds(1), () -> stops[0]++);
        assertThat(l.shutdown(Duration.ofSeconds(1), () -> stops[0]++)).isSameAs(first);
        first.join();
        assertThat(stops[0]).isEqualTo(1);
    }

    @Test
    void threadsComeFromTheUsersFactoryAndAreAwaited() throws Exception {
        Lifecycle l = new Lifecycle("Thing", new OwnedThreads("thing", Optional.of(counting)));
        l.start();
        CountDownLatch blocked = new CountDownLatch(1);
        l.startThread("loop", () -> {
            blocked.countDown();
            try {
                new CountDownLatch(1).await(); // stands for a blocking read that only an interrupt ends
            } catch (InterruptedException e) {
                // ends the loop
            }
        });
        blocked.await();
        ShutdownResult r = l.shutdown(Duration.ofSeconds(10), true, () -> { }).join();
        assertThat(r.clean()).isTrue();
        assertThat(made).hasSizeGreaterThanOrEqualTo(1);
        assertThat(made.get(0).isAlive()).isFalse();
    }

    @Test
    void aThreadThatDoesNotEndMakesTheResultUncleanAndIsNamed() throws Exception {
        Lifecycle l = new Lifecycle("Thing", "thing", Optional.empty());
        l.start();
        CountDownLatch release = new CountDownLatch(1);
        Thread t = l.startThread("stuck", () -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        ShutdownResult r = l.shutdown(Duration.ofMillis(50), () -> { }).join();
        assertThat(r.clean()).isFalse();
        assertThat(r.threadsStillAlive()).containsExactly(t.getName());
        release.countDown();
    }

    @Test
    void aStopperThatThrowsAnErrorStillCompletesTheFuture() {
        Lifecycle l = new Lifecycle("Thing", "thing", Optional.empty());
        l.start();
        ShutdownResult r = l.shutdown(Duration.ofSeconds(1), () -> {
            throw new StackOverflowError("from user code");
        }).join();
        assertThat(r.clean()).isFalse();
    }

    @Test
    void aFailedStartLeavesItStoppedAndCleanlyShutDown() {
        Lifecycle l = new Lifecycle("Thing", "thing", Optional.empty());
        l.start();
        l.failedStart();
        assertThat(l.running()).isFalse();
        assertThat(l.shutdown(Duration.ofSeconds(1), () -> { }).join().clean()).isTrue();
    }

    @Test
    void guardSurvivesErrorsAndCountsThem() {
        Guard g = new Guard("test");
        g.run("listener", () -> {
            throw new OutOfMemoryError("pretend");
        });
        g.run("listener", () -> { });
        assertThat(g.failures()).isEqualTo(1);
    }

    @Test
    void closingOnOneOfItsOwnThreadsDoesNotWaitForThatThread() throws Exception {
        Lifecycle l = new Lifecycle("Thing", new OwnedThreads("thing", Optional.of(counting)));
        l.start();
        CountDownLatch closed = new CountDownLatch(1);
        l.startThread("loop", () -> {
            l.closeAndReport(l.shutdown(Duration.ofSeconds(5), () -> { })); // a loop that ends its component
            closed.countDown();
        });
        assertThat(closed.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        // before: the thread waited for the shutdown, which waited the grace for that thread, and reported it
        ShutdownResult r = l.shutdown(Duration.ofSeconds(5), () -> { }).get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(r.threadsStillAlive()).isEmpty();
    }
}
