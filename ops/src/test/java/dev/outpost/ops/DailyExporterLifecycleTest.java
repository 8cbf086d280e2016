package dev.outpost.ops;

import dev.outpost.ShutdownResult;
import dev.outpost.testkit.Fauxqs;
import dev.outpost.testkit.LifecycleContract;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import software.amazon.awssdk.services.s3.S3AsyncClient;

import static org.awaitility.Awaitility.await;

/** The exporter's schedule against the lifecycle contract, on fauxqs's S3; its user code is the export source. */
class DailyExporterLifecycleTest extends LifecycleContract<DailyExporter> {
    static Fauxqs fauxqs;
    static S3AsyncClient s3;
    static final AtomicInteger BUCKETS = new AtomicInteger();
    final AtomicReference<Error> throwNext = new AtomicReference<>();
    final Map<DailyExporter, RulesEngineTest.TestClock> clocks = new HashMap<>();

    @BeforeAll
    static void startS3() throws Exception {
        fauxqs = Fauxqs.start();
        s3 = FauxqsS3.client(fauxqs);
    }

    @AfterAll
    static void stopS3() {
        if (s3 != null) {
            s3.close();
        }
        if (fauxqs != null) {
            fauxqs.close();
        }
    }

    @Override
    protected DailyExporter create(ThreadFactory threads) {
        String bucket = "lifecycle-" + BUCKETS.incrementAndGet();
        s3.createBucket(r -> r.bucket(bucket)).join();
        RulesEngineTest.TestClock clock = new RulesEngineTest.TestClock();
        clock.now = Instant.parse("2026-12-04T01:00:00Z");
        DailyExporter e = DailyExporter.builder(s3, day -> {
            Error err = throwNext.getAndSet(null);
            if (err != null) {
                throw err;
            }
            return ExportChildMain.records(day).subList(0, 3).stream();
        }).bucket(bucket).hour(2).poll(Duration.ofMillis(20)).retries(1, Duration.ZERO).clock(clock).threadFactory(threads)
                .build();
        clocks.put(e, clock);
        return e;
    }

    @Override
    protected void start(DailyExporter e) {
        e.start();
    }

    @Override
    protected CompletableFuture<ShutdownResult> shutdown(DailyExporter e) {
        return e.shutdown();
    }

    /** Moves the clock past the next day's hour, so the schedule has a new day to export. */
    private void nextDay(DailyExporter e) {
        RulesEngineTest.TestClock clock = clocks.get(e);
        clock.now = clock.now.plus(Duration.ofDays(1)).plus(Duration.ofHours(2));
    }

    @Override
    protected boolean provokeUserError(DailyExporter e, Error error) {
        long before = e.failures();
        throwNext.set(error);
        nextDay(e);
        await().atMost(Duration.ofSeconds(20)).until(() -> e.failures() > before);
        return true;
    }

    @Override
    protected void assertWorks(DailyExporter e) {
        long before = e.exported();
        nextDay(e);
        await().atMost(Duration.ofSeconds(20)).until(() -> e.exported() > before);
    }
}
