package dev.outpost.micrometer;

import dev.outpost.host.records.RecordConsumer;
import dev.outpost.host.records.RecordHttpServer;
import dev.outpost.host.records.RecordStore;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * The record store's figures (the process shipper's receiving end, in {@code outpost-collectors-host},
 * which this module needs on the class path only when you call this) as Micrometer meters:
 * <ul>
 *   <li>{@code outpost.records.kept} (gauge): records in the store now;
 *   <li>{@code outpost.records.journal.syncs} (counter): fsyncs of the journal, each covering every
 *       record stored while the previous one ran;
 *   <li>{@code outpost.records.consumed} (counter, tag {@code outcome}: {@code stored},
 *       {@code duplicate}, {@code rejected}, {@code failed}): what the consumer did with each delivery;
 *   <li>{@code outpost.records.http.refused} and {@code outpost.records.http.timed-out} (counters):
 *       connections over the caps, and heads or bodies that did not arrive in time.
 * </ul>
 *
 * <pre>{@code
 * RecordStoreMetrics.monitor(meterRegistry, store, MeterSettings.DEFAULTS);
 * RecordStoreMetrics.monitor(meterRegistry, consumer, MeterSettings.DEFAULTS);
 * }</pre>
 */
public final class RecordStoreMetrics {
    private RecordStoreMetrics() {}

    /** Meters of the store itself; read when scraped (a stopped store reads as NaN). */
    public static void monitor(MeterRegistry registry, RecordStore store, MeterSettings settings) {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(store, "store");
        Gauge.builder("outpost.records.kept", store, safe(RecordStore::count)).description("records in the store")
                .tags(settings.commonTags()).register(registry);
        FunctionCounter.builder("outpost.records.journal.syncs", store, s -> s.journalSyncs())
                .description("fsyncs of the record journal").tags(settings.commonTags()).register(registry);
    }

    /** Meters of a consumer: one counter per outcome. */
    public static void monitor(MeterRegistry registry, RecordConsumer consumer, MeterSettings settings) {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(consumer, "consumer");
        consumed(registry, settings, consumer, "stored", RecordConsumer::stored);
        consumed(registry, settings, consumer, "duplicate", RecordConsumer::duplicates);
        consumed(registry, settings, consumer, "rejected", RecordConsumer::rejected);
        consumed(registry, settings, consumer, "failed", RecordConsumer::failures);
    }

    /** Meters of the record HTTP API's connection limits. */
    public static void monitor(MeterRegistry registry, RecordHttpServer server, MeterSettings settings) {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(server, "server");
        FunctionCounter.builder("outpost.records.http.refused", server, s -> s.refusedConnections())
                .description("connections refused over the caps").tags(settings.commonTags()).register(registry);
        FunctionCounter.builder("outpost.records.http.timed-out", server, s -> s.timedOutConnections())
                .description("connections whose head or body did not arrive in time").tags(settings.commonTags())
                .register(registry);
    }

    private static void consumed(MeterRegistry registry, MeterSettings settings, RecordConsumer consumer, String outcome,
            java.util.function.ToLongFunction<RecordConsumer> f) {
        FunctionCounter.builder("outpost.records.consumed", consumer, c -> f.applyAsLong(c))
                .description("deliveries the record consumer handled, by outcome").tags(settings.commonTags())
                .tag("outcome", outcome).register(registry);
    }

    /** A store read that cannot fail a scrape: a stopped store reads as NaN. */
    private static ToDoubleFunction<RecordStore> safe(java.util.function.ToLongFunction<RecordStore> f) {
        return s -> {
            try {
                return f.applyAsLong(s);
            } catch (RuntimeException stopped) {
                return Double.NaN;
            }
        };
    }
}
