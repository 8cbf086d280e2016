package dev.outpost.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.fleet.Fleet;
import dev.outpost.fleet.FleetCall;
import dev.outpost.fleet.FleetRequest;
import dev.outpost.fleet.FleetSummary;
import dev.outpost.fleet.Outcome;
import dev.outpost.spi.Collector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The README's {@code TestFleet} example: the same code, and the outcomes its comment names. */
class ReadmeTestFleetTest {

    static FleetSummary example() throws Exception {
        AtomicReference<FleetSummary> out = new AtomicReference<>();
        // README:begin
        try (TestFleet hosts = TestFleet.builder().hosts(100).collector(Collector.of("app.work", (r, c) -> "done"))
                .fault("host-007", Fault.fail())
                .fault("host-008", Fault.dropReply())
                .fault("host-009", Fault.slow(Duration.ofMinutes(2)))
                .fault("host-010", Fault.offline(Duration.ofMinutes(5)))
                .fault("host-011", Fault.duplicateReply().when(r -> r.params().path("round").asInt() == 2))
                .build().start();
             Fleet fleet = hosts.fleet().build().start()) {
            FleetCall call = fleet.call(FleetRequest.builder("app.work").deadline(Duration.ofSeconds(30)).build());
            hosts.awaitIdle(Duration.ofSeconds(10));          // those that answer without waiting have (96 ok, host-007's error)
            hosts.advance(Duration.ofSeconds(31));            // deadlines, ttls, slow collectors, offline periods follow the clock
            FleetSummary summary = call.summary().join();      // host-007 error, host-008/009/010 no-reply, the rest ok
        // README:end
            out.set(summary);
        }
        return out.get();
    }

    @Test
    void givesTheOutcomesItsCommentNames() throws Exception {
        FleetSummary summary = example();
        assertThat(summary.hosts(Outcome.ERROR)).containsExactly("host-007");
        assertThat(summary.hosts(Outcome.NO_REPLY)).containsExactly("host-008", "host-009", "host-010");
        assertThat(summary.hosts(Outcome.OK)).hasSize(96);
    }

    @Test
    void theReadmeShowsThisCode() throws IOException {
        String source = Files.readString(Path.of("src/test/java/dev/outpost/testing/ReadmeTestFleetTest.java"));
        String block = source.substring(source.indexOf("// README:begin\n") + "// README:begin\n".length(),
                source.indexOf("        // README:end"));
        String dedented = block.lines().map(l -> l.length() >= 8 ? l.substring(8) : l.strip()).collect(Collectors.joining("\n"));
        assertThat(Files.readString(Path.of("README.md"))).contains(dedented);
    }
}
