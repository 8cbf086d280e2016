package dev.outpost.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Json;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.Registry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.cumulative.CumulativeCounter;
import io.micrometer.core.instrument.cumulative.CumulativeTimer;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.pause.PauseDetector;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** An application's meter registry that throws as a figure is recorded: the call it measures goes on as if unmeasured. */
class BrokenMeterRegistryTest {
    /** Registers meters as usual; every recording throws an Error. */
    private static final class Broken extends SimpleMeterRegistry {
        @Override
        protected Timer newTimer(Meter.Id id, DistributionStatisticConfig config, PauseDetector pauses) {
            return new CumulativeTimer(id, clock, config, pauses, TimeUnit.NANOSECONDS, false) {
                @Override
                protected void recordNonNegative(long amount, TimeUnit unit) {
                    throw new AssertionError("the application's registry");
                }
            };
        }

        @Override
        protected Counter newCounter(Meter.Id id) {
            return new CumulativeCounter(id) {
                @Override
                public void increment(double amount) {
                    throw new AssertionError("the application's registry");
                }
            };
        }
    }

    @Test
    void aSendAndAReceiveSucceedOnceWhateverTheRegistryThrows() throws Exception {
        try (InMemoryTransport memory = InMemoryTransport.create()) {
            MeteredTransport metered = MeteredTransport.wrap(memory, new Broken());
            metered.send("q", Message.of("a".getBytes(StandardCharsets.UTF_8))).join();
            assertThat(memory.depth("q").orElse(-1)).isEqualTo(1);
            List<Delivery> got = metered.receive("q", 10, Duration.ZERO);
            assertThat(got).hasSize(1);
            metered.ackBatch(got).join();
            assertThat(memory.depth("q").orElse(-1)).isZero();
        }
    }

    @Test
    void aRegistryWriteIsReportedAsItWentWhateverTheMeterRegistryThrows() throws Exception {
        try (Registry store = InMemoryRegistry.create(); Registry metered = MeteredRegistry.wrap(store, new Broken())) {
            metered.register("svc/a", Json.parse("{\"port\":1}"), Optional.empty());
            assertThat(store.get("svc/a")).isPresent();
            metered.registerAsync("svc/b", Json.parse("{}"), Optional.empty()).join();
            assertThat(metered.get("svc/b")).isPresent();
        }
    }
}
