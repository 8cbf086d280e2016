package dev.outpost.http;

import dev.outpost.spi.CollectorContext;
import dev.outpost.spi.Sender;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.slf4j.LoggerFactory;

/** A real, minimal context for calling a collector directly: a deadline and settings. */
record TestContext(Instant deadline, Map<String, String> settings) implements CollectorContext {

    static TestContext of(Map<String, String> settings) {
        return new TestContext(Instant.now().plusSeconds(20), settings);
    }

    /** Loopback is the test server: allow exactly 127.0.0.1, nothing else. */
    static TestContext loopback() {
        return of(Map.of(EgressPolicy.ALLOW_CIDRS, "127.0.0.1/32"));
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
