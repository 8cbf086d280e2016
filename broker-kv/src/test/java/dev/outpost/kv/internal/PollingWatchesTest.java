package dev.outpost.kv.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.IntNode;
import dev.outpost.core.lifecycle.Guard;
import dev.outpost.spi.RegistryEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class PollingWatchesTest {
    private final RegistryEntry a = new RegistryEntry("svc/a", IntNode.valueOf(1), 1, Instant.EPOCH, Optional.empty(), false,
            Optional.empty());
    private final AtomicInteger missesLeft = new AtomicInteger();
    private final AtomicInteger listings = new AtomicInteger();
    private volatile boolean missing;

    private PollingWatches watches() {
        return new PollingWatches("test", Executors.defaultThreadFactory(), new Guard("test"), Duration.ofMillis(5), 1000,
                () -> {
                    throw new IllegalStateException("no revision: every poll lists");
                },
                prefix -> {
                    listings.incrementAndGet();
                    missing = missesLeft.getAndDecrement() > 0;
                    return missing ? List.of() : List.of(a);
                },
                key -> missing ? Optional.empty() : Optional.of(a)); // the re-read misses it in the same poll
    }

    @Test
    void aKeyMissingFromOnePollOnlyIsNotReportedDeleted() throws Exception {
        List<RegistryEntry> seen = new CopyOnWriteArrayList<>();
        try (PollingWatches w = watches(); AutoCloseable watch = w.add("svc/", seen::add)) {
            missesLeft.set(1); // as DynamoDB Local did while the item was being replaced
            int from = listings.get();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> listings.get() > from + 5);
            assertThat(seen).isEmpty();

            missesLeft.set(Integer.MAX_VALUE); // really gone
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !seen.isEmpty());
            assertThat(seen).singleElement().satisfies(e -> {
                assertThat(e.key()).isEqualTo("svc/a");
                assertThat(e.deleted()).isTrue();
            });
        }
    }
}
