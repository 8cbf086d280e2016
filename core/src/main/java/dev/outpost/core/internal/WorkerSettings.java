package dev.outpost.core.internal;

import dev.outpost.core.WorkerListener;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Transport;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import java.util.function.Supplier;

/** Everything a worker was built with; validated by the builder. */
public record WorkerSettings(
        String workerId,
        Transport transport,
        Codec codec,
        String source,
        String deadLetter,
        Optional<String> responses,
        Map<String, CollectorEntry> collectors,
        int concurrency,
        int pollers,
        Duration pollWait,
        Duration visibility,
        Duration drainTimeout,
        Backoff backoff,
        int maxMessageBytes,
        int dedupeWindow,
        WorkerListener listener,
        Clock clock,
        Optional<ThreadFactory> threadFactory,
        Supplier<Map<String, String>> configView) {}
