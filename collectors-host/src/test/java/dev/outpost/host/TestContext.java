package dev.outpost.host;

import dev.outpost.spi.CollectorContext;
import dev.outpost.spi.Sender;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/** A real, minimal context for calling a collector directly: a deadline and settings. */
record TestContext(Instant deadline, Map<String, String> settings) implements CollectorContext {

    static TestContext of(Map<String, String> settings) {
        return new TestContext(Instant.now().plusSeconds(60), settings);
    }

    static TestContext empty() {
        return of(Map.of());
    }

    @Override
    public Duration remaining() {
        Duration d = Duration.between(Instant.now(), deadline);
        return d.isNegative() ? Duration.ZERO : d;
    }

    @Override
    public Optional<Sender> sender() {
        return Optional.empty();
    }

    @Override
    public int attempt() {
        return 1;
    }


    @Override
    public void progress(String message) {}
}
