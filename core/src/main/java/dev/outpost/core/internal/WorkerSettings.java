package dev.outpost.core.internal;

import dev.outpost.core.RequestFilter;
import dev.outpost.core.WorkerListener;
import dev.outpost.core.audit.AuditLog;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Transport;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import java.util.function.LongSupplier;

/** Everything a worker was built with, copied out of its builder and validated. */
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
        int prefetch,
        boolean adaptivePrefetch,
        Duration pollWait,
        Duration visibility,
        Duration drainTimeout,
        Backoff backoff,
        int maxMessageBytes,
        int maxAttempts,
        int dedupeWindow,
        List<String> replyToAllow,
        WorkerListener listener,
        Clock clock,
        LongSupplier ticker,
        Optional<ThreadFactory> threadFactory,
        Map<String, String> configView,
        Optional<AuditLog> audit,
        List<RequestFilter> filters,
        Optional<Idempotency> idempotency,
        Optional<ResultOutbox> outbox,
        boolean checkResults,
        long inlineBelowNanos) {

    public WorkerSettings {
        collectors = Map.copyOf(collectors);
        replyToAllow = List.copyOf(replyToAllow);
        configView = Map.copyOf(configView);
        filters = List.copyOf(filters);
    }

    /** Whether a response may go to {@code destination}: the worker's own responses destination or an allowed reply. */
    public boolean replyAllowed(String destination) {
        return responses.map(destination::equals).orElse(false) || Patterns.anyMatches(replyToAllow, destination);
    }
}
