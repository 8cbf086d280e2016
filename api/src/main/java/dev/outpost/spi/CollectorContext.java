package dev.outpost.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/** What a {@link Collector} knows about the run it is in. */
public interface CollectorContext {

    /** When the worker stops waiting for this run and interrupts it. */
    Instant deadline();

    /** Time left before {@link #deadline()}, never negative. */
    Duration remaining();

    /** The authenticated sender of the request, when the codec authenticates. */
    Optional<Sender> sender();

    /** Which attempt this is, from 1. */
    int attempt();

    /** The collector's settings from configuration ({@code outpost.collectors.NAME.*}), unprefixed. */
    Map<String, String> settings();


    /**
     * Reports progress. Long work should call it now and then: it is what the status listing shows.
     * The worker keeps the delivery invisible while the run goes on whether or not this is called.
     */
    void progress(String message);
}
