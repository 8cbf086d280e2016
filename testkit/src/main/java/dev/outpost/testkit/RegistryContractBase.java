package dev.outpost.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import dev.outpost.spi.RegistryWatcher;
import dev.outpost.spi.Registry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fixtures of {@link RegistryContract} and its watch and concurrency tests, kept apart so each
 * class has one job. Extend {@link RegistryContract}, not this class.
 */
abstract class RegistryContractBase {
    private static final ObjectReader JSON = dev.outpost.Json.reader();

    private final List<Registry> created = new ArrayList<>();
    /** The clock the registry under test runs on. */
    protected final TestClock clock = TestClock.create();

    /** A fresh, empty registry on {@code clock}. Called once or twice per test. */
    protected abstract Registry createRegistry(TestClock clock);

    /**
     * A fresh, empty registry on {@code clock} whose watches buffer {@code buffer} changes, for the
     * resync test; empty (the default) for a registry that watches by polling, and the test is
     * skipped.
     */
    protected Optional<Registry> createRegistryWithWatchBuffer(TestClock clock, int buffer) {
        return Optional.empty();
    }

    /** Whether watch may merge versions written between two polls (a polling watch). */
    protected boolean watchMayCoalesce() {
        return false;
    }

    /** How long to wait for a watcher to hear of a change. */
    protected Duration patience() {
        return Duration.ofSeconds(10);
    }

    /** Threads in the concurrency tests. */
    protected int threads() {
        return 8;
    }

    @AfterEach
    void closeRegistries() {
        for (Registry r : created) {
            r.close();
        }
    }

    Registry registry() {
        Registry r = createRegistry(clock);
        created.add(r);
        return r;
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void watchersSeeChangesInOrderPerKeyAndOnlyUnderTheirPrefix() throws Exception {
        Registry r = registry();
        Map<String, List<RegistryEntry>> seen = new ConcurrentHashMap<>();
        AutoCloseable watch = r.watch("svc/w", e -> seen.computeIfAbsent(e.key(), k -> new CopyOnWriteArrayList<>()).add(e));
        int perKey = 30;
        RegistryContract.runConcurrently(4, i -> {
            String key = "svc/w" + i;
            r.register(key, json("{\"n\":0}"), Optional.empty());
            for (int n = 1; n < perKey; n++) {
                r.update(key, json("{\"n\":" + n + "}"));
            }
            if (watchMayCoalesce()) {
                // a polling watch may miss a key that lives less than one poll: let it see the last version first
                await().atMost(patience()).until(() -> seen.getOrDefault(key, List.of()).stream()
                        .anyMatch(e -> e.version() == perKey));
            }
            r.delete(key);
            r.register("svc/x" + i, json("1"), Optional.empty());
        });
        await().atMost(patience()).until(() -> seen.size() == 4
                && seen.values().stream().allMatch(l -> !l.isEmpty() && l.get(l.size() - 1).deleted()));
        for (int i = 0; i < 4; i++) {
            List<RegistryEntry> events = seen.get("svc/w" + i);
            for (int j = 1; j < events.size(); j++) {
                RegistryEntry prev = events.get(j - 1);
                RegistryEntry cur = events.get(j);
                assertThat(cur.version()).as("versions of svc/w%d in order", i)
                        .isGreaterThanOrEqualTo(prev.version());
                assertThat(prev.deleted()).isFalse();
            }
            RegistryEntry lastWrite = events.get(events.size() - 2 >= 0 ? events.size() - 2 : 0);
            if (!watchMayCoalesce()) {
                assertThat(events).hasSize(perKey + 1);
                assertThat(events.get(0).version()).isEqualTo(1);
                assertThat(lastWrite.value()).isEqualTo(json("{\"n\":" + (perKey - 1) + "}"));
            }
            if (!watchMayCoalesce()) {
                assertThat(events.get(events.size() - 1).version()).isEqualTo(perKey);
            }
        }
        assertThat(seen.keySet()).allMatch(k -> k.startsWith("svc/w"));

        watch.close();
        r.register("svc/w-after-close", json("1"), Optional.empty());
        r.register("svc/w-marker", json("1"), Optional.empty());
        // a second watch proves the change was published; the closed one must not have seen it
        List<RegistryEntry> second = new CopyOnWriteArrayList<>();
        r.watch("svc/w", second::add);
        r.update("svc/w-marker", json("2"));
        await().atMost(patience()).until(() -> !second.isEmpty());
        assertThat(seen).doesNotContainKey("svc/w-after-close");
    }

    @Test
    void aWatcherThatFallsBehindIsToldToResyncAndWritersNeverWait() throws Exception {
        int buffer = 16;
        Optional<Registry> made = createRegistryWithWatchBuffer(clock, buffer);
        assumeTrue(made.isPresent(), "this registry watches by polling");
        Registry r = made.get();
        created.add(r);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch blocked = new CountDownLatch(1);
        List<RegistryEntry> changes = new CopyOnWriteArrayList<>();
        AtomicLong resyncs = new AtomicLong();
        r.watch("svc/", new RegistryWatcher() {
            @Override
            public void onChange(RegistryEntry entry) {
                changes.add(entry);
                blocked.countDown();
                try {
                    release.await(1, TimeUnit.MINUTES);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public void onResync(long revision) {
                resyncs.incrementAndGet();
            }
        });
        r.register("svc/first", json("0"), Optional.empty());
        assertThat(blocked.await(patience().toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        int writes = buffer * 3;
        for (int i = 0; i < writes; i++) {
            r.register("svc/k" + i, json("1"), Optional.empty()); // returns although the watcher is stuck
        }
        release.countDown();
        r.register("svc/last", json("1"), Optional.empty());
        await().atMost(patience()).until(() -> changes.stream().anyMatch(e -> e.key().equals("svc/last")));
        assertThat(resyncs.get()).isGreaterThanOrEqualTo(1);
        assertThat(changes.size()).isLessThan(writes);
    }

    @Test
    void manyThreadsOnOneKeyLoseNoUpdate() throws Exception {
        Registry r = registry();
        r.register("svc/counter", json("{\"n\":0}"), Optional.empty());
        int perThread = 25;
        RegistryContract.runConcurrently(threads(), i -> {
            for (int n = 0; n < perThread; n++) {
                while (true) {
                    RegistryEntry cur = r.get("svc/counter").orElseThrow();
                    ObjectNode next = JsonNodeFactory.instance.objectNode().put("n", cur.value().get("n").asInt() + 1);
                    try {
                        r.replace("svc/counter", next, cur.version());
                        break;
                    } catch (RegistryException.VersionConflict retry) {
                        // someone else won this round: read again
                    }
                }
            }
        });
        RegistryEntry end = r.get("svc/counter").orElseThrow();
        assertThat(end.value().get("n").asInt()).isEqualTo(threads() * perThread);
        assertThat(end.version()).isEqualTo(1 + threads() * perThread);

        r.register("svc/fields", json("{}"), Optional.empty());
        RegistryContract.runConcurrently(threads(), i -> {
            for (int n = 0; n < perThread; n++) {
                r.update("svc/fields", json("{\"t" + i + "-" + n + "\":true}"));
            }
        });
        assertThat(r.get("svc/fields").orElseThrow().value().size()).isEqualTo(threads() * perThread);
    }

    @Test
    void aConcurrentCompareAndSetHistoryIsLinearizablePerKey() throws Exception {
        Registry r = registry();
        String[] keys = {"svc/lin-a", "svc/lin-b", "svc/lin-c"};
        Map<String, JsonNode> initial = new HashMap<>();
        for (String k : keys) {
            initial.put(k, r.register(k, json("{\"w\":\"init\"}"), Optional.empty()).value());
        }
        CasHistory history = new CasHistory();
        int opsPerThread = 60;
        RegistryContract.runConcurrently(threads(), t -> {
            Random rnd = new Random(t);
            Map<String, Long> lastSeen = new HashMap<>();
            for (int n = 0; n < opsPerThread; n++) {
                String key = keys[rnd.nextInt(keys.length)];
                int choice = rnd.nextInt(3);
                long start = System.nanoTime();
                if (choice == 0) {
                    RegistryEntry e = r.get(key).orElseThrow();
                    history.observed(key, start, System.nanoTime(), e.version(), e.value());
                    lastSeen.put(key, e.version());
                } else if (choice == 1) {
                    long expected = lastSeen.getOrDefault(key, 1L);
                    JsonNode value = json("{\"w\":\"" + t + "-" + n + "\"}");
                    try {
                        RegistryEntry e = r.replace(key, value, expected);
                        history.replaced(key, start, System.nanoTime(), expected, e.version(), e.value());
                        lastSeen.put(key, e.version());
                    } catch (RegistryException.VersionConflict c) {
                        history.observed(key, start, System.nanoTime(), c.actual(), null);
                        lastSeen.put(key, c.actual());
                    }
                } else {
                    JsonNode patch = json("{\"u" + t + "\":" + n + "}");
                    RegistryEntry e = r.update(key, patch);
                    history.updated(key, start, System.nanoTime(), patch, e.version(), e.value());
                    lastSeen.put(key, e.version());
                }
            }
        });
        assertThat(history.size()).isEqualTo(threads() * opsPerThread);
        assertThat(history.violations(initial)).isEmpty();
    }

    @Test
    void aReplaceRacingADeleteNeverResurrectsTheKey() throws Exception {
        Registry r = registry();
        for (int round = 0; round < 30; round++) {
            String key = "svc/race-" + round;
            RegistryEntry e = r.register(key, IntNode.valueOf(0), Optional.empty());
            AtomicBoolean replaced = new AtomicBoolean();
            AtomicBoolean deleted = new AtomicBoolean();
            RegistryContract.runConcurrently(2, i -> {
                if (i == 0) {
                    try {
                        r.replace(key, IntNode.valueOf(1), e.version());
                        replaced.set(true);
                    } catch (RegistryException.NoSuchKey gone) {
                        // the delete came first
                    }
                } else {
                    try {
                        deleted.set(r.delete(key, e.version()));
                    } catch (RegistryException.VersionConflict later) {
                        // the replace came first
                    }
                }
            });
            assertThat(replaced.get() ^ deleted.get()).as("exactly one of replace and delete wins, round %d", round).isTrue();
            assertThat(r.get(key).isPresent()).isEqualTo(replaced.get());
        }
    }
}
