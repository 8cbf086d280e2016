package dev.outpost.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.core.Worker;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.fleet.Fleet;
import dev.outpost.fleet.FleetMember;
import dev.outpost.inmemory.InMemoryTransport;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** OutpostFleet is called by user code with any timeout a Duration holds. */
class OutpostFleetBoundsTest {
    /**
     * Before: the wait for the summary was timeout.toMillis() + 5000, which threw ArithmeticException past 292 million
     * years, after the request had been sent: the caller got an exception for a call its hosts ran.
     */
    @Test
    void theLongestTimeoutWaitsForTheAnswers() throws Exception {
        InMemoryRegistry registry = InMemoryRegistry.create();
        try (InMemoryTransport transport = InMemoryTransport.create();
                FleetMember member = FleetMember.builder(registry).id("web-1").requests("req-web-1")
                        .collectors(List.of(OutpostFleetTest.disk("web-1"))).tags("web").build().start();
                Worker web = Worker.builder(transport).id("web-1").requests("req-web-1").collector(OutpostFleetTest.disk("web-1"))
                        .filter(member.filter()).build().start();
                Fleet fleet = Fleet.builder(transport).registry(registry).build().start()) {
            List<HostAnswer> answers = new OutpostFleet(fleet).call("web-1", "disk.usage", Map.of("path", "/"),
                    Duration.ofSeconds(Long.MAX_VALUE, 999_999_999));
            assertThat(answers).singleElement().satisfies(a -> assertThat(a.ok()).isTrue());
        }
    }
}
