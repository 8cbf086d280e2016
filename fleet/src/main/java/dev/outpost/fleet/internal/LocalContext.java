package dev.outpost.fleet.internal;

import dev.outpost.spi.CollectorContext;
import dev.outpost.spi.Sender;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/** The context of a collector the fleet member runs in-process (host.facts). */
public final class LocalContext implements CollectorContext {
    private final Clock clock;
    private final Instant deadline;

    public LocalContext(Clock clock, Duration timeout) {
        this.clock = clock;
        this.deadline = clock.instant().plus(timeout);
    }

    @Override
    public Instant deadline() {
        return deadline;
    }

    @Override
    public Duration remaining() {
        Duration d = Duration.between(clock.instant(), deadline);
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
    public Map<String, String> settings() {
        return Map.of();
    }

    @Override
    public void progress(String message) {
        // nobody watches the local facts run
    }
}
