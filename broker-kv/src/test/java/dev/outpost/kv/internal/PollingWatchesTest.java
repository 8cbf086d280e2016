package dev.outpost.kv.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.IntNode;
import dev.outpost.core.lifecycle.Guard;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class PollingWatchesTest {
    private static final Instant EXPIRY = Instant.parse("2026-01-01T00:00:10Z");
    private final RegistryEntry leased = new RegistryEntry("svc/a", IntNode.valueOf(1), 1, Instant.EPOCH, Optional.of(EXPIRY), false,
            Optional.empty());
    private final RegistryEntry other = new RegistryEntry("svc/b", IntNode.valueOf(1), 1, Instant.EPOCH, Optional.empty(), false,
            Optional.empty());
    private final AtomicReference<List<RegistryEntry>> store = new AtomicReference<>(List.of(leased, other));
    private final AtomicLong revision = new AtomicLong();
    private final AtomicInteger listings = new AtomicInteger();
    private final AtomicInteger revisionReads = new AtomicInteger();

    private PollingWatches watches(int fullEvery) {
        return new PollingWatches("test", Executors.defaultThreadFactory(), new Guard("test"), Duration.ofMillis(5), fullEvery,
                () -> {
                    revisionReads.incrementAndGet();
                    return revision.get();
                }, prefix -> {
                    listings.incrementAndGet();
                    return store.get();
                });
    }

    @Test
    void aKeyGoneFromTheListingIsReportedDeletedAtItsExpiry() throws Exception {
        List<RegistryEntry> seen = new CopyOnWriteArrayList<>();
        try (PollingWatches w = watches(1); AutoCloseable watch = w.add("svc/", seen::add)) {
            store.set(List.of(other)); // expired (or removed by the store's TTL after expiry)
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !seen.isEmpty());
            assertThat(seen).singleElement().satisfies(e -> {
                assertThat(e.key()).isEqualTo("svc/a");
                assertThat(e.deleted()).isTrue();
                assertThat(e.version()).isEqualTo(1);
                assertThat(e.updatedAt()).isEqualTo(EXPIRY);
            });
        }
    }

    @Test
    void anUnmovedRevisionSkipsTheListingUntilTheFullPoll() throws Exception {
        List<RegistryEntry> seen = new CopyOnWriteArrayList<>();
        try (PollingWatches w = watches(1_000_000); AutoCloseable watch = w.add("svc/", seen::add)) {
            int from = listings.get();
            RegistryEntry newer = new RegistryEntry("svc/b", IntNode.valueOf(2), 2, Instant.EPOCH, Optional.empty(), false,
                    Optional.empty());
            revision.incrementAndGet();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> listings.get() > from);
            int after = listings.get();
            store.set(List.of(leased, newer)); // written, but the revision did not move: no poll lists it
            int reads = revisionReads.get();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> revisionReads.get() > reads + 3);
            assertThat(listings.get()).isEqualTo(after);
            assertThat(seen).isEmpty();

            revision.incrementAndGet();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !seen.isEmpty());
            assertThat(seen).singleElement().isEqualTo(newer);
        }
    }

    @Test
    void aListingThatFailsIsTriedAgainAtTheNextPollNotOnlyAtTheFullOne() throws Exception {
        List<RegistryEntry> seen = new CopyOnWriteArrayList<>();
        AtomicInteger failures = new AtomicInteger();
        try (PollingWatches w = new PollingWatches("test", Executors.defaultThreadFactory(), new Guard("test"), Duration.ofMillis(5),
                1_000_000, revision::get, prefix -> {
                    if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        throw new IllegalStateException("the broker did not answer in time");
                    }
                    listings.incrementAndGet();
                    return store.get();
                }); AutoCloseable watch = w.add("svc/", seen::add)) {
            RegistryEntry newer = new RegistryEntry("svc/b", IntNode.valueOf(2), 2, Instant.EPOCH, Optional.empty(), false,
                    Optional.empty());
            failures.set(1);
            store.set(List.of(leased, newer));
            revision.incrementAndGet(); // the poll that sees this revision fails to list
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !seen.isEmpty());
            assertThat(failures.get()).isZero();
            assertThat(seen).singleElement().isEqualTo(newer);
        }
    }

    @Test
    void aThreadFactoryThatFailsOnceLeavesNoDeadTimerBehind() throws Exception {
        AtomicInteger made = new AtomicInteger();
        ThreadFactory flaky = r -> {
            if (made.getAndIncrement() == 0) {
                throw new IllegalStateException("no threads now");
            }
            return Executors.defaultThreadFactory().newThread(r);
        };
        List<RegistryEntry> seen = new CopyOnWriteArrayList<>();
        PollingWatches w = new PollingWatches("test", flaky, new Guard("test"), Duration.ofMillis(5), 1, revision::get, prefix -> store.get());
        try {
            assertThatThrownBy(() -> w.add("svc/", e -> seen.add(e))).hasMessageContaining("no threads now");
            try (AutoCloseable watch = w.add("svc/", seen::add)) {
                store.set(List.of(other)); // the later watch is polled: the failed one left no timer without a thread
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !seen.isEmpty());
                assertThat(seen).singleElement().satisfies(e -> assertThat(e.key()).isEqualTo("svc/a"));
            }
        } finally {
            w.close(); // threw a NullPointerException: no task to cancel
        }
    }

    @Test
    void aThreadFactoryThatReturnsNullIsRefusedAtTheWatch() {
        PollingWatches w = new PollingWatches("test", r -> null, new Guard("test"), Duration.ofMillis(5), 1, revision::get, prefix -> store.get());
        assertThatThrownBy(() -> w.add("svc/", e -> { })).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("made no watch thread");
        w.close();
    }

    @Test
    void anIntervalPastALongOfMillisecondsStillWatches() throws Exception {
        PollingWatches w = new PollingWatches("test", Executors.defaultThreadFactory(), new Guard("test"), Duration.ofSeconds(Long.MAX_VALUE),
                1, revision::get, prefix -> store.get());
        try (AutoCloseable watch = w.add("svc/", e -> { })) {
            assertThat(watch).isNotNull(); // converting the interval threw 'long overflow', after the timer's thread had started
        } finally {
            w.close();
        }
    }
    @Test
    void aWatchAddedAfterCloseIsRefusedAsClosed() {
        PollingWatches w = watches(1);
        w.close(); // what a registry's close() raced: its own check had passed, the watches were closed
        assertThatThrownBy(() -> w.add("svc/", e -> { })).isInstanceOf(RegistryException.Closed.class);
    }

    @Test
    void aWatcherThatInterruptsItsThreadDoesNotStarveTheNextPrefix() throws Exception {
        AtomicLong version = new AtomicLong(1);
        AtomicReference<List<RegistryEntry>> other = new AtomicReference<>(List.of());
        CountDownLatch heard = new CountDownLatch(1);
        try (PollingWatches w = new PollingWatches("test", Executors.defaultThreadFactory(), new Guard("test"), Duration.ofMillis(5), 1,
                revision::get, prefix -> {
                    if (prefix.equals("a/")) { // a key under a/ that changes every poll
                        return List.of(new RegistryEntry("a/k", IntNode.valueOf(1), version.getAndIncrement(), Instant.EPOCH,
                                Optional.empty(), false, Optional.empty()));
                    }
                    if (Thread.currentThread().isInterrupted()) { // as a broker call does: it cannot wait interrupted
                        throw new RegistryException.Unavailable(prefix, "interrupted waiting for the broker", null);
                    }
                    return other.get();
                });
                AutoCloseable a = w.add("a/", e -> Thread.currentThread().interrupt());
                AutoCloseable b = w.add("b/", e -> heard.countDown())) {
            other.set(List.of(new RegistryEntry("b/k", IntNode.valueOf(1), 1, Instant.EPOCH, Optional.empty(), false, Optional.empty())));
            // the interrupt the a/ watcher left failed the b/ listing of every poll: b/ never heard of its key
            assertThat(heard.await(10, TimeUnit.SECONDS)).isTrue();
        }
    }
}
