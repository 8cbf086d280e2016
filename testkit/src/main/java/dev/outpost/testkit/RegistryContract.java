package dev.outpost.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.IntNode;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import dev.outpost.spi.RegistryPage;
import dev.outpost.spi.Registry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Registry} must have, as JUnit 5 tests. An implementation's test class
 * extends this and creates a fresh, empty, started registry on the given clock:
 *
 * <pre>{@code
 * class SqliteRegistryContractTest extends RegistryContract {
 *     @TempDir Path dir;
 *
 *     @Override
 *     protected Registry createRegistry(TestClock clock) {
 *         return SqliteRegistry.builder(dir.resolve("kv.db")).clock(clock).build().start();
 *     }
 * }
 * }</pre>
 *
 * <p>What it checks: versions from 1 that only grow (also across delete and register again);
 * register-if-absent, also raced by many threads; replace with a stale version; TTL refresh by
 * replace; merge-patch update; delete and compare-and-delete (also racing a replace); TTL expiry (the clock is moved, never
 * slept on) reported to watchers as a deletion; list order and paging; watch order per key;
 * writer stamps; the store revision; many threads on one key losing no update; a concurrent
 * compare-and-set history checked for linearizability per key ({@link CasHistory}); key and value
 * validation; every call after close refused with {@link RegistryException.Closed}.
 *
 * <p>Watches must not drop changes while their buffer has room: {@link #createRegistry} should use
 * the implementation's default buffer.
 *
 * <p>The contract closes the registry after each test (closing twice must be harmless). Waits for
 * watchers are bounded by {@link #patience()}.
 */
public abstract class RegistryContract extends RegistryContractBase {
    @Test
    void versionsStartAtOneAndGrowWithEveryWrite() {
        Registry r = registry();
        RegistryEntry one = r.register("svc/a", json("{\"port\":80}"), Optional.empty());
        assertThat(one.version()).isEqualTo(1);
        assertThat(one.deleted()).isFalse();
        assertThat(one.expiresAt()).isEmpty();
        RegistryEntry two = r.replace("svc/a", json("{\"port\":81}"), 1);
        RegistryEntry three = r.update("svc/a", json("{\"host\":\"h\"}"));
        assertThat(two.version()).isEqualTo(2);
        assertThat(three.version()).isEqualTo(3);
        RegistryEntry read = r.get("svc/a").orElseThrow();
        assertThat(read.version()).isEqualTo(3);
        assertThat(read.value()).isEqualTo(json("{\"port\":81,\"host\":\"h\"}"));
        assertThat(read.updatedAt()).isEqualTo(clock.instant());
        assertThat(r.get("svc/missing")).isEmpty();
    }

    @Test
    void registerIsCreateOnlyEvenWhenRaced() throws Exception {
        Registry r = registry();
        r.register("svc/a", json("1"), Optional.empty());
        assertThatThrownBy(() -> r.register("svc/a", json("2"), Optional.empty()))
                .isInstanceOfSatisfying(RegistryException.KeyExists.class, e -> assertThat(e.key()).isEqualTo("svc/a"))
                .hasMessageContaining("svc/a");
        assertThat(r.get("svc/a").orElseThrow().value()).isEqualTo(json("1"));

        AtomicInteger winners = new AtomicInteger();
        AtomicInteger losers = new AtomicInteger();
        runConcurrently(threads(), i -> {
            try {
                r.register("svc/race", IntNode.valueOf(i), Optional.empty());
                winners.incrementAndGet();
            } catch (RegistryException.KeyExists e) {
                losers.incrementAndGet();
            }
        });
        assertThat(winners.get()).isEqualTo(1);
        assertThat(losers.get()).isEqualTo(threads() - 1);
        assertThat(r.get("svc/race").orElseThrow().version()).isEqualTo(1);
    }

    @Test
    void aTimeToLiveTooLongForTheStoreIsRefusedNeverWrappedIntoThePast() {
        Registry r = registry();
        for (java.time.Duration ttl : java.util.List.of(java.time.Duration.ofMillis(Long.MAX_VALUE),
                java.time.Duration.ofDays(365L * 1_000_000), java.time.Duration.ofSeconds(Long.MAX_VALUE))) {
            try {
                r.register("svc/far", json("1"), Optional.of(ttl));
            } catch (IllegalArgumentException refused) {
                assertThat(r.get("svc/far")).as("a refused write writes nothing").isEmpty();
                continue;
            }
            assertThat(r.get("svc/far")).as("an entry registered with a ttl of " + ttl + " is live").isPresent();
            r.delete("svc/far");
        }
    }

    @Test
    void replaceWithAStaleVersionIsRefusedAndChangesNothing() {
        Registry r = registry();
        r.register("svc/a", json("1"), Optional.empty());
        r.replace("svc/a", json("2"), 1);
        assertThatThrownBy(() -> r.replace("svc/a", json("3"), 1))
                .isInstanceOfSatisfying(RegistryException.VersionConflict.class, e -> {
                    assertThat(e.key()).isEqualTo("svc/a");
                    assertThat(e.expected()).isEqualTo(1);
                    assertThat(e.actual()).isEqualTo(2);
                });
        assertThat(r.get("svc/a").orElseThrow().value()).isEqualTo(json("2"));
        assertThatThrownBy(() -> r.replace("svc/missing", json("3"), 1))
                .isInstanceOfSatisfying(RegistryException.NoSuchKey.class, e -> assertThat(e.key()).isEqualTo("svc/missing"));
    }

    @Test
    void mergePatchUpdateIsRfc7396() {
        Registry r = registry();
        r.register("svc/a", json("{\"a\":1,\"b\":{\"c\":2,\"d\":3},\"l\":[1,2]}"), Optional.empty());
        RegistryEntry e = r.update("svc/a", json("{\"a\":null,\"b\":{\"c\":9},\"e\":true,\"l\":[3]}"));
        assertThat(e.value()).isEqualTo(json("{\"b\":{\"c\":9,\"d\":3},\"e\":true,\"l\":[3]}"));
        assertThat(r.get("svc/a").orElseThrow().value()).isEqualTo(e.value());
        assertThat(r.update("svc/a", json("\"scalar\"")).value()).isEqualTo(json("\"scalar\""));
        assertThatThrownBy(() -> r.update("svc/missing", json("{}"))).isInstanceOf(RegistryException.NoSuchKey.class);
    }

    @Test
    void deleteAndCompareAndDeleteAndVersionsAcrossRecreate() {
        Registry r = registry();
        r.register("svc/a", json("1"), Optional.empty());
        r.replace("svc/a", json("2"), 1);
        assertThat(r.delete("svc/a")).isTrue();
        assertThat(r.delete("svc/a")).isFalse();
        assertThat(r.get("svc/a")).isEmpty();
        RegistryEntry again = r.register("svc/a", json("3"), Optional.empty());
        assertThat(again.version()).isGreaterThan(2);

        assertThatThrownBy(() -> r.delete("svc/a", again.version() - 1))
                .isInstanceOfSatisfying(RegistryException.VersionConflict.class,
                        e -> assertThat(e.actual()).isEqualTo(again.version()));
        assertThat(r.get("svc/a")).isPresent();
        assertThat(r.delete("svc/a", again.version())).isTrue();
        assertThat(r.delete("svc/a", again.version())).isFalse();
        assertThat(r.get("svc/a")).isEmpty();
    }

    @Test
    void entriesExpireAndWatchersHearItAsADeletion() {
        Registry r = registry();
        List<RegistryEntry> seen = new CopyOnWriteArrayList<>();
        r.register("svc/a", json("1"), Optional.of(Duration.ofSeconds(10)));
        r.register("svc/forever", json("1"), Optional.empty());
        RegistryEntry refreshed = r.register("svc/refreshed", json("1"), Optional.of(Duration.ofSeconds(10)));
        assertThat(r.get("svc/a").orElseThrow().expiresAt()).contains(clock.instant().plusSeconds(10));
        r.watch("svc/", seen::add);

        clock.advance(Duration.ofSeconds(9));
        r.replace("svc/refreshed", json("2"), refreshed.version(), Optional.of(Duration.ofSeconds(10)));
        assertThat(r.get("svc/a")).isPresent();

        clock.advance(Duration.ofSeconds(2));
        assertThat(r.get("svc/a")).isEmpty();
        assertThat(r.list("svc/")).extracting(RegistryEntry::key).containsExactly("svc/forever", "svc/refreshed");
        await().atMost(patience()).until(() -> seen.stream().anyMatch(e -> e.key().equals("svc/a") && e.deleted()));
        RegistryEntry gone = seen.stream().filter(e -> e.key().equals("svc/a") && e.deleted()).findFirst().orElseThrow();
        assertThat(gone.version()).isEqualTo(1);
        assertThat(seen).noneMatch(e -> e.deleted() && !e.key().equals("svc/a"));

        assertThat(r.register("svc/a", json("2"), Optional.empty()).version()).isGreaterThan(1);
        assertThatThrownBy(() -> r.register("svc/b", json("1"), Optional.of(Duration.ZERO)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void listIsInKeyOrderAndPagesWithTokens() {
        Registry r = registry();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            keys.add(String.format("svc/k%02d", i));
        }
        keys.add("svc/k05/sub");
        keys.add("svc/K");
        keys.add("svc/~");
        List<String> shuffled = new ArrayList<>(keys);
        Collections.shuffle(shuffled, new Random(7));
        for (String k : shuffled) {
            r.register(k, json("1"), Optional.empty());
        }
        r.register("svd/outside", json("1"), Optional.empty());
        r.register("sv/outside", json("1"), Optional.empty());
        List<String> expected = new ArrayList<>(keys);
        Collections.sort(expected);

        assertThat(r.list("svc/")).extracting(RegistryEntry::key).containsExactlyElementsOf(expected);
        assertThat(r.list("svc/k05")).extracting(RegistryEntry::key).containsExactly("svc/k05", "svc/k05/sub");
        assertThat(r.list("svc/zzz")).isEmpty();

        List<String> paged = new ArrayList<>();
        Optional<String> token = Optional.empty();
        int pages = 0;
        do {
            RegistryPage page = r.list("svc/", 7, token);
            assertThat(page.entries()).hasSizeLessThanOrEqualTo(7);
            page.entries().forEach(e -> paged.add(e.key()));
            token = page.nextPageToken();
            pages++;
        } while (token.isPresent() && pages < 100);
        assertThat(paged).containsExactlyElementsOf(expected);
        assertThat(pages).isBetween(4, 5);

        String firstToken = r.list("svc/", 7, Optional.empty()).nextPageToken().orElseThrow();
        assertThatThrownBy(() -> r.list("svd/", 7, Optional.of(firstToken))).isInstanceOf(RegistryException.InvalidKey.class);
        assertThatThrownBy(() -> r.list("svc/", 0, Optional.empty())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r.list("svc/", Registry.MAX_PAGE_SIZE + 1, Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void writesAreStampedWithTheirWriter() {
        Registry r = registry();
        RegistryEntry e = r.writingAs("billing-host-1").register("svc/a", json("1"), Optional.empty());
        // a broker may add the identity it authenticated ("billing-host-1 via KEY-ID")
        assertThat(e.updatedBy().orElseThrow()).contains("billing-host-1");
        assertThat(r.get("svc/a").orElseThrow().updatedBy().orElseThrow()).contains("billing-host-1");
        r.writingAs("other").update("svc/a", json("2"));
        assertThat(r.get("svc/a").orElseThrow().updatedBy().orElseThrow()).contains("other").doesNotContain("billing");
    }

    @Test
    void theRevisionGrowsWithEveryChange() {
        Registry r = registry();
        long r0 = r.revision();
        r.register("svc/a", json("1"), Optional.empty());
        long r1 = r.revision();
        assertThat(r1).isGreaterThan(r0);
        r.update("svc/a", json("2"));
        long r2 = r.revision();
        assertThat(r2).isGreaterThan(r1);
        r.delete("svc/a");
        assertThat(r.revision()).isGreaterThan(r2);
    }

    @Test
    void badKeysAndValuesAreRefusedWithTypedErrors() {
        Registry r = registry();
        assertThatThrownBy(() -> r.register("no-namespace", json("1"), Optional.empty()))
                .isInstanceOf(RegistryException.InvalidKey.class).hasMessageContaining("NAMESPACE/NAME");
        assertThatThrownBy(() -> r.register("svc/" + "x".repeat(600), json("1"), Optional.empty()))
                .isInstanceOf(RegistryException.InvalidKey.class).hasMessageContaining("longer than");
        assertThatThrownBy(() -> r.get("UPPER/a")).isInstanceOf(RegistryException.InvalidKey.class);
        assertThatThrownBy(() -> r.list("")).isInstanceOf(RegistryException.InvalidKey.class);
        // every control character: C0, DEL and C1 (U+009B is an 8-bit terminal escape, CSI)
        for (String control : List.of("\u0000", "\n", "\u001b", "\u007f", "\u0085", "\u009b")) {
            assertThatThrownBy(() -> r.register("svc/a" + control + "b", json("1"), Optional.empty()))
                    .isInstanceOf(RegistryException.InvalidKey.class).hasMessageContaining("control character")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(control));
            assertThatThrownBy(() -> r.list("svc/a" + control)).isInstanceOf(RegistryException.InvalidKey.class);
        }
        assertThatThrownBy(() -> r.register("svc/big", json("\"" + "x".repeat(2 * 1024 * 1024) + "\""), Optional.empty()))
                .isInstanceOf(RegistryException.InvalidValue.class).hasMessageContaining("limit");
        assertThat(r.get("svc/big")).isEmpty();
    }

    @Test
    void aClosedRegistryRefusesEveryCall() {
        Registry r = registry();
        r.register("svc/a", json("1"), Optional.empty());
        r.close();
        r.close();
        List<Supplier<?>> calls = List.of(
                () -> r.get("svc/a"),
                () -> r.register("svc/b", json("1"), Optional.empty()),
                () -> r.replace("svc/a", json("2"), 1),
                () -> r.update("svc/a", json("2")),
                () -> r.delete("svc/a"),
                () -> r.list("svc/"),
                r::revision,
                () -> r.watch("svc/", e -> {}));
        for (Supplier<?> call : calls) {
            assertThatThrownBy(call::get).isInstanceOf(RegistryException.Closed.class).hasMessageContaining("closed");
        }
    }

    /** Runs {@code body(i)} on {@code n} threads at once and rethrows the first failure. */
    public static void runConcurrently(int n, ThrowingIntConsumer body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int id = i;
                fs.add(pool.submit(() -> {
                    go.await();
                    body.accept(id);
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : fs) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** A body for {@link #runConcurrently}. */
    @FunctionalInterface
    public interface ThrowingIntConsumer {
        /** Runs for thread {@code i}. */
        void accept(int i) throws Exception;
    }
}
