package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.Request;
import dev.outpost.ShutdownResult;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.testkit.TestClock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A thread factory is user code: once it refuses to make the thread a shutdown runs on, the
 * shutdown runs all the same and its future completes (before: shutdown() threw the factory's
 * exception, and the future every later call returned, which close() waits for, never completed).
 */
class RefusedShutdownThreadTest {
    private final AtomicBoolean refuse = new AtomicBoolean();

    private final ThreadFactory factory = r -> {
        if (refuse.get()) {
            throw new IllegalStateException("no more threads for now");
        }
        return new Thread(r);
    };

    private static void endsAndStaysEnded(CompletableFuture<ShutdownResult> done, java.util.function.Supplier<
            CompletableFuture<ShutdownResult>> again) throws Exception {
        ShutdownResult r = done.get(30, TimeUnit.SECONDS);
        assertThat(r.threadsStillAlive()).isEmpty();
        assertThat(again.get()).isSameAs(done);
    }

    @Test
    void theSchedulerStops() throws Exception {
        TestClock time = TestClock.create();
        try (InMemoryTransport transport = InMemoryTransport.create()) {
            Scheduler s = Scheduler.builder(transport).clock(time).ticker(time.ticker()).threadFactory(factory)
                    .job(Scheduler.Job.every(Duration.ofSeconds(5), Collectors.of("_tick", (r, c) -> "ok"), "records"))
                    .build().start();
            await().until(() -> transport.peek("records").size() == 1);
            refuse.set(true);
            endsAndStaysEnded(s.shutdown(), s::shutdown);
            s.close();
        }
    }

    @Test
    void theWorkerStops() throws Exception {
        try (InMemoryTransport transport = InMemoryTransport.create()) {
            Worker w = Worker.builder(transport).threadFactory(factory).collector(Collectors.of("echo", (r, c) -> "ok"))
                    .build().start();
            try (Client client = Client.builder(transport).pollWait(Duration.ofMillis(20)).build().start()) {
                assertThat(client.call(Request.builder("echo").build(), Duration.ofSeconds(30)).get(30, TimeUnit.SECONDS)
                        .isOk()).isTrue();
            }
            refuse.set(true);
            endsAndStaysEnded(w.shutdown(), w::shutdown);
            w.close();
        }
    }

    @Test
    void theClientStops() throws Exception {
        try (InMemoryTransport transport = InMemoryTransport.create()) {
            Client c = Client.builder(transport).pollWait(Duration.ofMillis(20)).threadFactory(factory).build().start();
            refuse.set(true);
            endsAndStaysEnded(c.shutdown(), c::shutdown);
            c.close();
        }
    }

    @Test
    void theAuditLogStops() throws Exception {
        dev.outpost.core.audit.AuditLog audit = dev.outpost.core.audit.AuditLog.builder(lines -> { }).threadFactory(factory)
                .build().start();
        refuse.set(true);
        endsAndStaysEnded(audit.shutdown(), audit::shutdown);
        audit.close();
    }
}
