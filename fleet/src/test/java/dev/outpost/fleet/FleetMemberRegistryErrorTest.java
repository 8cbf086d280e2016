package dev.outpost.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.spi.ForwardingRegistry;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.testkit.TestClock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The registry is user code: an Error from it is one failed write, and the heartbeats go on. */
class FleetMemberRegistryErrorTest {
    final TestClock time = TestClock.create();
    final InMemoryRegistry registry = InMemoryRegistry.create(time);
    final AtomicInteger heartbeatsScheduled = new AtomicInteger();
    volatile boolean broken;

    final ForwardingRegistry flaky = new ForwardingRegistry(registry) {
        @Override
        public RegistryEntry replace(String key, JsonNode value, long expectedVersion, Optional<Duration> ttl) {
            if (broken) {
                throw new AssertionError("a bug in the registry's driver");
            }
            return super.replace(key, value, expectedVersion, ttl);
        }
    };

    /**
     * Before: the Error left the heartbeat before it scheduled the next one, so the member never wrote again and
     * its live host left the inventory at the end of the ttl.
     */
    @Test
    void anErrorFromTheRegistryFailsOneHeartbeatAndTheNextOneWrites() {
        FleetMember m = FleetMember.builder(flaky).id("web-1").requests("requests-web-1").clock(time)
                .ticker(new SchedulingTicker(time.ticker(), "dev.outpost.fleet.FleetMember.heartbeatTask", heartbeatsScheduled))
                .build().start();
        try {
            broken = true;
            time.advance(Duration.ofMinutes(5));
            await().atMost(Duration.ofSeconds(10)).until(() -> heartbeatsScheduled.get() >= 1);
            assertThat(m.failures()).isEqualTo(1);
            broken = false;
            long before = m.writes();
            time.advance(Duration.ofMinutes(5));
            await().atMost(Duration.ofSeconds(10)).until(() -> m.writes() > before);
            time.advance(Duration.ofMinutes(10)); // 20 minutes since the start: past the 15-minute ttl of the first write
            assertThat(registry.get("fleet/hosts/web-1")).isPresent();
        } finally {
            m.close();
        }
    }

    /**
     * Before: taking over an entry another process wrote logged that process's writer name as the registry holds it:
     * whoever wrote the entry chose it, and a line break in it forged the next log line.
     */
    @Test
    void theWriterOfAnEntryItTakesOverIsLoggedOnOnePrintableLine() {
        registry.writingAs("intruder\nINFO fleet member web-9: all clear\u2028").register("fleet/hosts/web-9",
                dev.outpost.Json.object().put("id", "web-9"), Optional.empty());
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                "dev.outpost.fleet.FleetMember");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged = new ch.qos.logback.core.read.ListAppender<>();
        logged.start();
        log.addAppender(logged);
        try (FleetMember m = FleetMember.builder(registry).id("web-9").requests("requests-web-9").clock(time).ticker(time.ticker())
                .build().start()) {
            assertThat(registry.get("fleet/hosts/web-9").orElseThrow().value().path("requests").asText()).isEqualTo("requests-web-9");
        } finally {
            log.detachAppender(logged);
        }
        assertThat(logged.list).filteredOn(e -> e.getFormattedMessage().contains("taking it over")).singleElement()
                .satisfies(e -> assertThat(e.getFormattedMessage()).contains("intruder?INFO").doesNotContain("\n", "\u2028"));
    }
}
