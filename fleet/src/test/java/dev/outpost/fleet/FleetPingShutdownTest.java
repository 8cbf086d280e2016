package dev.outpost.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.spi.ForwardingTransport;
import dev.outpost.spi.Message;
import dev.outpost.spi.Transport;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A discovery by ping that races the fleet's shutdown must end, not wait for a timer the shutdown stopped. */
class FleetPingShutdownTest {
    private final TestHosts hosts = new TestHosts();

    @AfterEach
    void close() {
        hosts.close();
    }

    @Test
    void aPingRegisteredAfterTheShutdownEndedTheOpenOnesStillEnds() throws Exception {
        CountDownLatch firstPing = new CountDownLatch(1);
        CountDownLatch callerWaiting = new CountDownLatch(1);
        CountDownLatch pingsEnded = new CountDownLatch(1); // the shutdown has taken the open pings and is ending them
        CountDownLatch callerMoved = new CountDownLatch(1); // the racing discovery sent its ping, or gave up
        AtomicReference<Thread> caller = new AtomicReference<>();
        AtomicReference<Thread> stopper = new AtomicReference<>();
        LongSupplier time = hosts.time.ticker();
        // the ticker is the seam: read by discover() before it registers its ping, and by each ping the shutdown ends
        LongSupplier ticker = () -> {
            Thread me = Thread.currentThread();
            if (caller.compareAndSet(me, null)) {
                callerWaiting.countDown();
                await(pingsEnded);
            } else if (stopper.compareAndSet(me, null)) {
                pingsEnded.countDown();
                await(callerMoved);
            }
            return time.getAsLong();
        };
        Transport watched = new ForwardingTransport(hosts.transport) {
            @Override
            public CompletableFuture<Void> send(String destination, Message message) {
                CompletableFuture<Void> sent = delegate().send(destination, message);
                if (destination.equals(Fleet.DEFAULT_TOPIC)) {
                    if (firstPing.getCount() > 0) {
                        firstPing.countDown();
                    } else {
                        callerMoved.countDown();
                    }
                }
                return sent;
            }

            @Override
            public void close() {}
        };
        Fleet fleet = Fleet.builder(watched).clock(hosts.time).ticker(ticker).pollWait(Duration.ofMillis(100)).build().start();
        hosts.closeables.add(fleet);
        CompletableFuture<Discovery> open = discoverOn(fleet, null);
        assertThat(firstPing.await(10, TimeUnit.SECONDS)).isTrue(); // a ping in progress, for the shutdown to end

        CompletableFuture<Discovery> racing = discoverOn(fleet, caller);
        racing.whenComplete((d, e) -> callerMoved.countDown());
        assertThat(callerWaiting.await(10, TimeUnit.SECONDS)).isTrue(); // past discover()'s check that the fleet runs
        stopper.set(Thread.currentThread());
        fleet.shutdown().get(10, TimeUnit.SECONDS);
        callerMoved.countDown();

        assertThat(open.get(10, TimeUnit.SECONDS).source()).isEqualTo(Discovery.Source.PING);
        // before: its ping was registered after the shutdown listed the open ones, and the timer that ends pings had
        // stopped, so the discovery never returned
        CompletableFuture<Object> ended = racing.handle((d, e) -> e == null ? d : e.getCause() != null ? e.getCause() : e);
        Object end = ended.get(10, TimeUnit.SECONDS);
        if (end instanceof Throwable e) {
            assertThat(e).isInstanceOf(IllegalStateException.class).hasMessage("fleet is closed");
        } else {
            assertThat(end).isInstanceOf(Discovery.class);
        }
    }

    private static CompletableFuture<Discovery> discoverOn(Fleet fleet, AtomicReference<Thread> seam) {
        CompletableFuture<Discovery> result = new CompletableFuture<>();
        Thread th = new Thread(() -> {
            try {
                result.complete(fleet.discover(Selector.all(), Duration.ofMinutes(1))); // the test clock never gets there
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        th.setDaemon(true);
        if (seam != null) {
            seam.set(th);
        }
        th.start();
        return result;
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
