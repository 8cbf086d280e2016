package dev.outpost.host.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.core.Scheduler;
import dev.outpost.host.ProcessesCollector;
import dev.outpost.host.outbox.OutboxTransport;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.Transport;
import dev.outpost.spi.TransportException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The process shipper end to end: a scheduler ships host.processes through the outbox, the
 * destination is down for a while, a record consumer writes every sample to the record store once.
 */
class ShipperEndToEndTest {
    @TempDir
    Path tmp;

    /** The in-memory transport, with sends failing while {@code down}. */
    static final class Switchable implements Transport {
        final InMemoryTransport inner = InMemoryTransport.create();
        volatile boolean down;

        @Override
        public CompletableFuture<Void> send(String destination, Message message) {
            return down ? CompletableFuture.failedFuture(new TransportException(destination, "down (test)"))
                    : inner.send(destination, message);
        }

        @Override
        public List<Delivery> receive(String source, int max, Duration wait) throws InterruptedException {
            return inner.receive(source, max, wait);
        }

        @Override
        public OptionalLong depth(String source) {
            return inner.depth(source);
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    @Test
    void everySampleIsStoredOnceDespiteAnOutage() throws Exception {
        Switchable network = new Switchable();
        network.down = true;
        try (RecordStore store = RecordStore.builder(tmp.resolve("records")).build().start();
             OutboxTransport agentSide = OutboxTransport.builder(network, tmp.resolve("outbox"))
                     .retryDelay(Duration.ofMillis(10), Duration.ofMillis(50)).build().start();
             RecordConsumer consumer = RecordConsumer.builder(network.inner, "records", store)
                     .pollWait(Duration.ofMillis(100)).build().start()) {
            Scheduler agent = Scheduler.builder(agentSide).id("agent-01")
                    .job(Scheduler.Job.every(Duration.ofMillis(150), new ProcessesCollector(), "records")
                            .withParams(java.util.Map.of("top", 20, "sortBy", "cpu"))
                            .withTimeout(Duration.ofSeconds(20))) // a run longer than the period on a loaded machine is no failure
                    .build().start();
            await().atMost(Duration.ofSeconds(30)).until(() -> agentSide.pending() >= 3);
            assertThat(store.count()).isZero();
            network.down = false;
            await().atMost(Duration.ofSeconds(30)).until(() -> store.count() >= 6);
            agent.close();
            long runs = agent.status().get(0).runs();
            await().atMost(Duration.ofSeconds(30)).until(() -> store.count() == runs);
            assertThat(consumer.rejected()).isZero();
            StoredRecord latest = store.latest().orElseThrow();
            assertThat(latest.source()).isEqualTo("agent-01");
            assertThat(latest.fileName()).startsWith("agent-01_");
            assertThat(latest.data().path("processes").size()).isBetween(1, 20);
            assertThat(latest.measuredAt()).isPresent();
        }
    }
}
