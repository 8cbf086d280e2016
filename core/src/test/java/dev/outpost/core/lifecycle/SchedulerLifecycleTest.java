package dev.outpost.core.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.Json;
import dev.outpost.ShutdownResult;
import dev.outpost.core.Scheduler;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Collector;
import dev.outpost.testkit.LifecycleContract;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;

class SchedulerLifecycleTest extends LifecycleContract<Scheduler> {
    private final InMemoryTransport transport = InMemoryTransport.create();
    private final AtomicReference<Error> toThrow = new AtomicReference<>();
    private final AtomicInteger runs = new AtomicInteger();

    @AfterEach
    void closeTransport() {
        transport.close();
    }

    @Override
    protected Scheduler create(ThreadFactory threads) {
        Collector tick = Collector.of("tick", "counts", Json.anyObjectSchema(), (req, ctx) -> {
            runs.incrementAndGet();
            Error e = toThrow.getAndSet(null);
            if (e != null) {
                throw e;
            }
            return Map.of("n", runs.get());
        });
        return Scheduler.builder(transport).job(Scheduler.Job.every(Duration.ofMillis(20), tick, "ticks"))
                .threadFactory(threads).build();
    }

    @Override
    protected void start(Scheduler scheduler) {
        scheduler.start();
    }

    @Override
    protected CompletableFuture<ShutdownResult> shutdown(Scheduler scheduler) {
        return scheduler.shutdown();
    }

    @Override
    protected boolean provokeUserError(Scheduler running, Error error) {
        toThrow.set(error);
        await().atMost(Duration.ofSeconds(10)).until(() -> toThrow.get() == null);
        return true;
    }

    @Override
    protected void assertWorks(Scheduler running) {
        int before = runs.get();
        await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() > before + 1);
        assertThat(running.status()).isNotEmpty();
    }
}
