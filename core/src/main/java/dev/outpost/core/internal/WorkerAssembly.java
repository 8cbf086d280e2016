package dev.outpost.core.internal;

import dev.outpost.ConfigException;
import dev.outpost.core.RequestFilter;
import dev.outpost.core.WorkerListener;
import dev.outpost.core.audit.AuditLog;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.spi.Codec;
import dev.outpost.spi.ConfigSource;
import dev.outpost.spi.Registry;
import dev.outpost.spi.Transport;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import java.util.function.LongSupplier;

/**
 * What {@code Worker.Builder.build()} does with what it was given: binds the configuration, checks
 * it with the collectors, and makes the engine (nothing started).
 *
 * @param explicit values set by builder methods, by configuration key
 * @param codec the builder's codec; null for the JSON codec
 */
public record WorkerAssembly(Transport transport, Codec codec, Map<String, Object> explicit, Optional<ConfigSource> config,
        CollectorTable.Registrations registrations, WorkerListener listener, Clock clock, LongSupplier ticker,
        Optional<ThreadFactory> threadFactory, Optional<AuditLog> audit, List<RequestFilter> filters,
        Optional<Registry> idempotencyStore) {

    /**
     * @throws ConfigException listing every problem found
     */
    public WorkerEngine engine() {
        List<ConfigException.Problem> problems = new ArrayList<>();
        WorkerBinding b = WorkerBinding.bind(explicit, config, problems);
        String id = b.optionalText(WorkerBinding.ID).orElseGet(Hosts::workerId);
        b.checkCombinations(problems);
        WorkerBinding.Receiving receiving = b.receiving(transport.receivesLocally(), problems);
        WorkerEngine[] engine = new WorkerEngine[1];
        Map<String, String> view = new HashMap<>(b.configView(config, id));
        view.put(WorkerBinding.POLLERS, Integer.toString(receiving.pollers())); // what "auto" chose
        view.put(WorkerBinding.PREFETCH, receiving.prefetchText());
        Map<String, CollectorEntry> entries = CollectorTable.build(registrations, b, config, id, () -> engine[0].status(),
                () -> view, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        int accepted = Math.min(b.integer(WorkerBinding.MAX_MESSAGE_BYTES), transport.maxMessageBytes());
        engine[0] = new WorkerEngine(new WorkerSettings(id, transport, codec == null ? JsonCodec.create() : codec,
                b.text(WorkerBinding.REQUESTS), b.text(WorkerBinding.DEAD_LETTER), b.optionalText(WorkerBinding.RESPONSES),
                entries, b.integer(WorkerBinding.CONCURRENCY), receiving.pollers(), receiving.prefetch(), receiving.adaptive(),
                b.duration(WorkerBinding.POLL_WAIT), b.duration(WorkerBinding.VISIBILITY), b.duration(WorkerBinding.DRAIN_TIMEOUT),
                new Backoff(b.duration(WorkerBinding.BACKOFF_INITIAL), b.duration(WorkerBinding.BACKOFF_MAX), 2.0), accepted,
                b.integer(WorkerBinding.MAX_ATTEMPTS), b.integer(WorkerBinding.DEDUPE), b.list(WorkerBinding.REPLY_TO_ALLOW),
                listener, clock, ticker, threadFactory, view, audit, filters,
                b.idempotency(idempotencyStore, id, clock), b.outbox(transport, ticker),
                b.checkResults(), b.integer(WorkerBinding.INLINE_BELOW_MICROS) * 1_000L));
        return engine[0];
    }
}
