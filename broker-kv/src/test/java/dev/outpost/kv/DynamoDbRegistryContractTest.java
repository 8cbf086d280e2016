package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.dynamodbv2.local.embedded.DynamoDBEmbedded;
import com.amazonaws.services.dynamodbv2.local.shared.access.AmazonDynamoDBLocal;
import dev.outpost.spi.Registry;
import dev.outpost.testkit.RegistryContract;
import dev.outpost.testkit.TestClock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.KeyType;

/**
 * The contract on DynamoDB Local, in this JVM (its sqlite4java native library comes from
 * target/native-libs, set by the pom). Each test gets its own table.
 */
class DynamoDbRegistryContractTest extends RegistryContract {
    private static AmazonDynamoDBLocal local;
    private static DynamoDbClient dynamo;
    private static final AtomicInteger TABLES = new AtomicInteger();

    @BeforeAll
    static void start() {
        local = DynamoDBEmbedded.create();
        dynamo = local.dynamoDbClient();
    }

    @AfterAll
    static void stop() {
        dynamo.close();
        local.shutdownNow();
    }

    @Override
    protected Registry createRegistry(TestClock clock) {
        String table = "registry-" + TABLES.incrementAndGet();
        new DynamoDbProvisioner(dynamo).table(table);
        // DynamoDB Local's TTL sweeps by real time, and the contract's clock is at 2026-01-01: with the
        // default 7 days it removed live entries mid-test, which watches rightly reported deleted
        return DynamoDbRegistry.builder(dynamo, table).clock(clock).expiredRetention(Duration.ofDays(36500))
                .pollInterval(Duration.ofMillis(50)).fullPollEvery(5).build().start();
    }

    @Override
    protected boolean watchMayCoalesce() {
        return true;
    }

    @Override
    protected int threads() {
        return 4;
    }

    @Test
    void aValueDeeperThanTheBrokersAnswersCarryIsRefused() throws Exception {
        String table = "registry-deep-" + TABLES.incrementAndGet();
        new DynamoDbProvisioner(dynamo).table(table);
        try (DynamoDbRegistry kv = DynamoDbRegistry.builder(dynamo, table).build().start()) {
            String deep = "[".repeat(61) + "]".repeat(61);
            assertThatThrownBy(() -> kv.register("svc/deep", dev.outpost.Json.parse(deep), java.util.Optional.empty()))
                    .isInstanceOf(dev.outpost.spi.RegistryException.InvalidValue.class).hasMessageContaining("60 levels");
            assertThat(kv.get("svc/deep")).isEmpty();
        }
    }

    @Test
    void aKeyRegisteredAgainAfterDynamoDbsTtlRemovedItStartsAboveEveryVersionItHad() throws Exception {
        TestClock clock = TestClock.create();
        String table = "registry-ttl-" + TABLES.incrementAndGet();
        new DynamoDbProvisioner(dynamo).table(table);
        // the removal is ours: with the default 7 days DynamoDB Local's real-time TTL could remove the
        // item whenever its sweep came, mid-test (the clock is at 2026-01-01), so a replace found no key
        try (DynamoDbRegistry kv = DynamoDbRegistry.builder(dynamo, table).clock(clock).expiredRetention(Duration.ofDays(36500))
                .build().start()) {
            dev.outpost.spi.RegistryEntry e = kv.register("svc/a", dev.outpost.Json.parse("1"), java.util.Optional.of(Duration.ofMinutes(1)));
            for (int i = 0; i < 3; i++) {
                e = kv.replace("svc/a", dev.outpost.Json.parse("2"), e.version());
            }
            long before = e.version();
            clock.advance(Duration.ofMinutes(2));
            // what DynamoDB's TTL does, some time after expiry: the item is gone, its version with it
            dynamo.deleteItem(r -> r.tableName(table).key(java.util.Map.of(
                    "ns", software.amazon.awssdk.services.dynamodb.model.AttributeValue.builder().s("svc").build(),
                    "name", software.amazon.awssdk.services.dynamodb.model.AttributeValue.builder().s("a").build())));
            dev.outpost.spi.RegistryEntry again = kv.register("svc/a", dev.outpost.Json.parse("3"), java.util.Optional.empty());
            assertThat(again.version()).isGreaterThan(before);
            long stale = before;
            assertThatThrownBy(() -> kv.replace("svc/a", dev.outpost.Json.parse("4"), stale))
                    .isInstanceOf(dev.outpost.spi.RegistryException.VersionConflict.class);
            assertThat(kv.register("svc/fresh", dev.outpost.Json.parse("1"), java.util.Optional.empty()).version()).isEqualTo(1);
        }
    }

    @Test
    void aDeletionIsReportedToWatchersAtTheRegistrysTimeNotTheMachines() throws Exception {
        TestClock clock = TestClock.create(); // 2026-01-01, far from the machine's time
        String table = "registry-watch-clock-" + TABLES.incrementAndGet();
        new DynamoDbProvisioner(dynamo).table(table);
        java.util.List<dev.outpost.spi.RegistryEntry> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (DynamoDbRegistry kv = DynamoDbRegistry.builder(dynamo, table).clock(clock).expiredRetention(Duration.ofDays(36500))
                .pollInterval(Duration.ofMillis(20)).build().start()) {
            dev.outpost.spi.RegistryEntry written = kv.register("svc/a", dev.outpost.Json.parse("1"), java.util.Optional.empty());
            try (AutoCloseable w = kv.watch("svc/", seen::add)) {
                clock.advance(Duration.ofMinutes(5));
                assertThat(kv.delete("svc/a")).isTrue();
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                        .until(() -> seen.stream().anyMatch(dev.outpost.spi.RegistryEntry::deleted));
            }
            dev.outpost.spi.RegistryEntry gone = seen.stream().filter(dev.outpost.spi.RegistryEntry::deleted).findFirst().orElseThrow();
            // as every other time the registry stamps (the write above; SqliteRegistry's tombstones): its clock's
            assertThat(written.updatedAt()).isEqualTo(clock.instant().minus(Duration.ofMinutes(5)));
            // before: Instant.now() on the watch thread, eleven months after anything this registry wrote
            assertThat(gone.updatedAt()).isEqualTo(clock.instant());
        }
    }

    @Test
    void anExpiredRetentionPastTheLastInstantStillWritesLeasedKeys() {
        String table = "registry-retention-" + TABLES.incrementAndGet();
        new DynamoDbProvisioner(dynamo).table(table);
        // the builder takes any non-negative retention: the ttl attribute (expiry + retention) overflowed Instant on every leased write
        try (DynamoDbRegistry kv = DynamoDbRegistry.builder(dynamo, table).expiredRetention(Duration.ofSeconds(Long.MAX_VALUE))
                .build().start()) {
            dev.outpost.spi.RegistryEntry e = kv.register("svc/a", dev.outpost.Json.parse("1"), java.util.Optional.of(Duration.ofMinutes(1)));
            assertThat(kv.replace("svc/a", dev.outpost.Json.parse("2"), e.version()).version()).isGreaterThan(e.version());
            assertThat(kv.get("svc/a")).hasValueSatisfying(x -> assertThat(x.value().asInt()).isEqualTo(2));
        }
    }

    @org.junit.jupiter.api.Nested
    class Lifecycle extends dev.outpost.testkit.LifecycleContract<DynamoDbRegistry> {
        @Override
        protected DynamoDbRegistry create(java.util.concurrent.ThreadFactory threads) {
            String table = "registry-life-" + TABLES.incrementAndGet();
            new DynamoDbProvisioner(dynamo).table(table);
            return DynamoDbRegistry.builder(dynamo, table).pollInterval(Duration.ofMillis(50)).threadFactory(threads).build();
        }

        @Override
        protected void start(DynamoDbRegistry c) {
            c.start();
        }

        @Override
        protected java.util.concurrent.CompletableFuture<dev.outpost.ShutdownResult> shutdown(DynamoDbRegistry c) {
            return c.shutdown();
        }

        @Override
        protected boolean provokeUserError(DynamoDbRegistry running, Error error) throws Exception {
            java.util.concurrent.CountDownLatch met = new java.util.concurrent.CountDownLatch(1);
            String prefix = "svc/e" + TABLES.incrementAndGet() + "/";
            try (AutoCloseable w = running.watch(prefix, change -> {
                met.countDown();
                throw error;
            })) {
                running.register(prefix + "k", dev.outpost.Json.parse("1"), java.util.Optional.empty());
                assertThat(met.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            }
            return true;
        }

        @Override
        protected void assertWorks(DynamoDbRegistry running) throws Exception {
            java.util.concurrent.CountDownLatch heard = new java.util.concurrent.CountDownLatch(1);
            String prefix = "svc/w" + TABLES.incrementAndGet() + "/";
            try (AutoCloseable w = running.watch(prefix, change -> heard.countDown())) {
                running.register(prefix + "k", dev.outpost.Json.parse("1"), java.util.Optional.empty());
                assertThat(heard.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    @Test
    void theProvisionerIsIdempotentAndRefusesAForeignTable() {
        DynamoDbProvisioner p = new DynamoDbProvisioner(dynamo);
        assertThat(p.table("prov").tableName()).isEqualTo("prov");
        assertThat(p.table("prov").keySchema()).hasSize(2);
        dynamo.createTable(r -> r.tableName("foreign").billingMode("PAY_PER_REQUEST")
                .attributeDefinitions(a -> a.attributeName("id").attributeType("S"))
                .keySchema(k -> k.attributeName("id").keyType(KeyType.HASH)));
        assertThatThrownBy(() -> p.table("foreign")).isInstanceOf(IllegalStateException.class).hasMessageContaining("not a registry table");
    }
}
