package dev.outpost.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.fleet.TestHosts.Behaviour;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A caller that waits for the summary and then reads what its listener heard must find every host there. */
class ListenerBeforeSummaryTest {
    final TestHosts hosts = new TestHosts();
    final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void close() {
        release.countDown();
        hosts.close();
    }

    private FleetCall twoSlowHosts(Fleet fleet, List<String> heard, FleetListener also) {
        FleetCall call = fleet.call(FleetRequest.builder("app.work").target(Selector.parse("tag:web")).deadline(Duration.ofSeconds(10))
                .listener(r -> {
                    also.onResult(r);
                    heard.add(r.host());
                }).build());
        await().until(() -> call.pending().size() == 2);
        return call;
    }

    private void startTwoSlowHosts() {
        hosts.add("web-1", Behaviour.SLOW, "web");
        hosts.add("web-2", Behaviour.SLOW, "web");
        hosts.workers.keySet().forEach(hosts::start);
    }

    @Test
    void theSummaryCompletesOnlyOnceTheListenerHeardEveryHost() throws Exception {
        startTwoSlowHosts();
        // the executor holds the listener call the second thread hands it, so the first thread's settling sees every
        // host settled while that call has not run: the summary completed with the listener having heard web-1 only
        CountDownLatch held = new CountDownLatch(1);
        AtomicReference<Thread> holdOn = new AtomicReference<>();
        Fleet fleet = hosts.fleet().callbackExecutor(r -> {
            if (Thread.currentThread() == holdOn.get()) {
                held.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            r.run();
        }).build().start();
        hosts.closeables.add(fleet);
        List<String> heard = new CopyOnWriteArrayList<>();
        FleetCall call = twoSlowHosts(fleet, heard, r -> { });
        CompletableFuture<List<String>> heardAtSummary = call.summary().thenApply(s -> List.copyOf(heard));
        Thread second = new Thread(() -> call.cancel("web-2"));
        holdOn.set(second);
        second.start();
        assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(call.cancel("web-1")).isTrue();
        assertThat(heardAtSummary).as("web-2's listener call has not run yet").isNotDone();
        release.countDown();
        second.join(10_000);
        assertThat(heardAtSummary.get(10, TimeUnit.SECONDS)).containsExactlyInAnyOrder("web-1", "web-2");
    }

    @Test
    void aListenerThatNeverReturnsHoldsTheSummaryOnlyForTheCallsDeadline() throws Exception {
        startTwoSlowHosts();
        // a thread per task: the listener blocked on web-1 holds only its own
        Fleet fleet = hosts.fleet().callbackExecutor(r -> {
            Thread t = new Thread(r, "listener-test");
            t.setDaemon(true);
            t.start();
        }).build().start();
        hosts.closeables.add(fleet);
        List<String> heard = new CopyOnWriteArrayList<>();
        FleetCall call = twoSlowHosts(fleet, heard, r -> {
            if (r.host().equals("web-1")) {
                try {
                    release.await(); // until the test ends
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        assertThat(call.cancel("web-1")).isTrue();
        assertThat(call.cancel("web-2")).isTrue();
        await().until(() -> heard.contains("web-2"));
        assertThat(call.summary()).as("web-1's listener call has not returned").isNotDone();
        hosts.time.advance(Duration.ofSeconds(10));
        FleetSummary s = call.summary().get(10, TimeUnit.SECONDS);
        assertThat(s.hosts(Outcome.CANCELLED)).containsExactlyInAnyOrder("web-1", "web-2");
        assertThat(heard).containsExactly("web-2");
    }

    @Test
    void aListenerThatNeverReturnsDoesNotHoldTheSummaryPastTheFleetsShutdown() throws Exception {
        startTwoSlowHosts();
        Fleet fleet = hosts.fleet().callbackExecutor(r -> {
            Thread t = new Thread(r, "listener-test");
            t.setDaemon(true);
            t.start();
        }).build().start();
        hosts.closeables.add(fleet);
        List<String> heard = new CopyOnWriteArrayList<>();
        FleetCall call = twoSlowHosts(fleet, heard, r -> {
            try {
                release.await(); // until the test ends
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(call.cancel()).isEqualTo(2);
        assertThat(call.summary()).isNotDone();
        // the timer that would give up at the deadline stops with the fleet
        fleet.close();
        assertThat(call.summary().get(10, TimeUnit.SECONDS).hosts(Outcome.CANCELLED)).containsExactlyInAnyOrder("web-1", "web-2");
    }
}
