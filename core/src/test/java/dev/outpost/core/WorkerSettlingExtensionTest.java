package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.Request;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.ForwardingTransport;
import dev.outpost.spi.Message;
import dev.outpost.testkit.TestClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A delivery whose retry (its back-off) has been issued is not extended afterwards: an extension
 * landing after it would hide the message for the worker's whole visibility instead of the back-off.
 */
class WorkerSettlingExtensionTest {

    @Test
    void noExtensionFollowsTheRetryThatSetsTheBackOff() throws Exception {
        TestClock time = TestClock.create();
        List<String> calls = new CopyOnWriteArrayList<>();
        CountDownLatch extendedAfterRetry = new CountDownLatch(1);
        try (InMemoryTransport real = InMemoryTransport.builder().visibilityTimeout(Duration.ofMillis(300)).ticker(time.ticker()).build()) {
            ForwardingTransport watched = new ForwardingTransport(real) {
                @Override
                public List<Delivery> receive(String source, int max, Duration wait) throws InterruptedException {
                    return super.receive(source, max, wait).stream().map(d -> (Delivery) new Delivery() {
                        @Override public String id() { return d.id(); }
                        @Override public String messageId() { return d.messageId(); }
                        @Override public String source() { return d.source(); }
                        @Override public Message message() { return d.message(); }
                        @Override public int receiveCount() { return d.receiveCount(); }
                        @Override public CompletableFuture<Void> ack() { return d.ack(); }

                        @Override
                        public CompletableFuture<Void> retry(Duration delay) {
                            calls.add("retry");
                            // the worker's timer comes round while this call is on its way (a slow HTTP call)
                            time.advance(Duration.ofMillis(200));
                            try {
                                extendedAfterRetry.await(1, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            return d.retry(delay);
                        }

                        @Override
                        public CompletableFuture<Void> extend(Duration visibility) {
                            calls.add("extend");
                            if (calls.contains("retry")) {
                                extendedAfterRetry.countDown();
                            }
                            return d.extend(visibility);
                        }
                    }).toList();
                }
            };
            try (Worker w = Worker.builder(watched)
                            .collector(Collectors.of("fails", (r, c) -> {
                                throw new IllegalStateException("attempt " + c.attempt());
                            }))
                            .visibility(Duration.ofMillis(300))
                            .ticker(time.ticker())
                            .maxAttempts(5)
                            .pollWait(Duration.ofMillis(50))
                            .build().start();
                    Client c = Client.builder(real).pollWait(Duration.ofMillis(50)).build().start()) {
                c.send(Request.builder("fails").build()).get(10, TimeUnit.SECONDS);
                await().until(() -> calls.contains("retry") && (extendedAfterRetry.getCount() == 0 || w.status().inFlight() == 0));
                assertThat(calls.subList(calls.indexOf("retry"), calls.size())).as(calls.toString()).doesNotContain("extend");
            }
        }
    }
}
