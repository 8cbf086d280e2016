package dev.outpost.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.spi.Delivery;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.mockito.Mockito;

/** The run permits pollers and runners share under prefetch. */
class RunnersTest {

    @Test
    void aPollerDoesNotTakeThePermitARunnerIsWaitingFor() throws Exception {
        Runners runners = new Runners(1, Executors.defaultThreadFactory(), true, f -> { });
        runners.prestart();
        try {
            assertThat(runners.enterOnPoller()).isTrue(); // a poller runs a fast collector
            CountDownLatch ran = new CountDownLatch(1);
            CountDownLatch finish = new CountDownLatch(1);
            runners.handOff(new InFlight(Mockito.mock(Delivery.class), 0, 0), () -> {
                ran.countDown();
                try {
                    finish.await(); // holds its permit: whether the runner is still queued or already running, none is free
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            await().until(runners::runnerWaitsForPermit);
            runners.exitOnPoller();
            // pollers receive again and again: barging in here would keep the runner's delivery waiting without end
            assertThat(runners.enterOnPoller()).as("the waiting runner's turn").isFalse();
            assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
            finish.countDown();
            await().until(runners::enterOnPoller); // and the poller's once the run is done
            runners.exitOnPoller();
        } finally {
            runners.shutdownNow();
        }
    }

    @Test
    void whatIsStillQueuedWhenTheRunnersStopGoesBack() throws Exception {
        List<InFlight> back = new CopyOnWriteArrayList<>();
        Runners runners = new Runners(1, Executors.defaultThreadFactory(), false, back::add);
        runners.prestart();
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        InFlight first = new InFlight(Mockito.mock(Delivery.class), 0, 0);
        InFlight queued = new InFlight(Mockito.mock(Delivery.class), 0, 0);
        runners.handOff(first, () -> {
            running.countDown();
            try {
                finish.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the stop's interrupt: the run ends
            }
        });
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        runners.handOff(queued, () -> { }); // queued behind the run, as one a poller handed over after the drain's last look
        runners.shutdownNow();
        assertThat(back).containsExactly(queued); // dropped, it stayed invisible until its visibility timeout
    }
}
