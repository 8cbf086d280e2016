package dev.outpost.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.ForwardingTransport;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.Transport;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MeteredTransportTest {
    private final MockClock clock = new MockClock();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry(SimpleConfig.DEFAULT, clock);

    /** An in-memory transport whose sends take 3 ms of the mock clock inside the call, as a blocking client's would. */
    private final class SlowSends extends ForwardingTransport {
        final List<CompletableFuture<Void>> pending = new ArrayList<>();
        boolean async;
        int ackBatches;

        SlowSends(Transport delegate) {
            super(delegate);
        }

        @Override
        public CompletableFuture<Void> send(String destination, Message message) {
            clock.add(Duration.ofMillis(3));
            if (async) {
                CompletableFuture<Void> f = new CompletableFuture<>();
                pending.add(f);
                return f;
            }
            return super.send(destination, message);
        }

        @Override
        public CompletableFuture<Void> ackBatch(List<? extends Delivery> deliveries) {
            ackBatches++;
            return super.ackBatch(deliveries);
        }
    }

    private Timer timer(String op, String outcome) {
        return meters.get("outpost.transport.operations").tag("operation", op).tag("outcome", outcome).timer();
    }

    @Test
    void aSendIsTimedFromBeforeTheCallAndCountedOnceDone() throws Exception {
        try (InMemoryTransport memory = InMemoryTransport.create()) {
            SlowSends slow = new SlowSends(memory);
            MeteredTransport metered = MeteredTransport.wrap(slow, meters, MeterSettings.PROMETHEUS);
            metered.send("q", Message.of("a".getBytes(StandardCharsets.UTF_8))).join();
            // the work done inside the call is in the timer (it used to start after the call returned)
            assertThat(timer("send", "ok").count()).isEqualTo(1);
            assertThat(timer("send", "ok").totalTime(TimeUnit.MILLISECONDS)).isEqualTo(3.0);
            assertThat(meters.get("outpost.transport.messages").tag("direction", "sent").counter().count()).isEqualTo(1);

            slow.async = true;
            CompletableFuture<Void> ok = metered.send("q", Message.of("b".getBytes(StandardCharsets.UTF_8)));
            CompletableFuture<Void> bad = metered.send("q", Message.of("c".getBytes(StandardCharsets.UTF_8)));
            assertThat(timer("send", "ok").count()).as("not done yet: not recorded").isEqualTo(1);
            clock.add(Duration.ofMillis(10));
            slow.pending.get(0).complete(null);
            slow.pending.get(1).completeExceptionally(new IllegalStateException("down"));
            assertThat(ok).isDone();
            assertThatThrownBy(bad::join).hasRootCauseMessage("down");
            assertThat(timer("send", "ok").count()).isEqualTo(2);
            assertThat(timer("send", "illegal-state-exception").count()).isEqualTo(1);
            assertThat(meters.get("outpost.transport.messages").tag("direction", "sent").counter().count()).isEqualTo(2);

            slow.async = false;
            List<Delivery> got = metered.receive("q", 10, Duration.ZERO);
            assertThat(got).hasSize(1);
            assertThat(timer("receive", "ok").count()).isEqualTo(1);
            assertThat(meters.get("outpost.transport.messages").tag("direction", "received").counter().count()).isEqualTo(1);
            // acks in one batch go to the transport's own batching, not one by one
            metered.ackBatch(got).join();
            assertThat(slow.ackBatches).isEqualTo(1);
            assertThat(memory.depth("q").orElse(-1)).isZero();
        }
    }
}
