package dev.outpost.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Json;
import dev.outpost.host.records.RecordConsumer;
import dev.outpost.host.records.RecordStore;
import dev.outpost.inmemory.InMemoryTransport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordStoreMetricsTest {
    @TempDir
    Path dir;

    @Test
    void aScrapeSeesWhatTheStoreKeptAndWhatTheConsumerDid() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (InMemoryTransport transport = InMemoryTransport.create();
                RecordStore store = RecordStore.builder(dir).build().start()) {
            RecordConsumer consumer = RecordConsumer.builder(transport, "records", store).build();
            RecordStoreMetrics.monitor(meters, store, MeterSettings.DEFAULTS);
            RecordStoreMetrics.monitor(meters, consumer, MeterSettings.DEFAULTS);
            store.store("r-1", "web-01", Json.parse("{\"n\":1}"), Optional.empty());
            store.store("r-2", "web-01", Json.parse("{\"n\":2}"), Optional.empty());
            store.store("r-1", "web-01", Json.parse("{\"n\":1}"), Optional.empty()); // a duplicate keeps nothing new

            assertThat(meters.get("outpost.records.kept").gauge().value()).isEqualTo(2.0);
            assertThat(meters.get("outpost.records.journal.syncs").functionCounter().count()).isGreaterThanOrEqualTo(1.0);
            assertThat(meters.get("outpost.records.consumed").tag("outcome", "stored").functionCounter().count()).isZero();
            assertThat(meters.find("outpost.records.consumed").functionCounters()).hasSize(4);
        }
        assertThat(meters.get("outpost.records.kept").gauge().value()).as("a stopped store reads as NaN, never fails a scrape")
                .isNaN();
    }
}
