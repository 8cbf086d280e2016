package dev.outpost.core.audit;

import static org.awaitility.Awaitility.await;

import dev.outpost.ShutdownResult;
import dev.outpost.testkit.LifecycleContract;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicReference;

class AuditLogLifecycleTest extends LifecycleContract<AuditLog> {
    private final AtomicReference<Error> toThrow = new AtomicReference<>();

    @Override
    protected AuditLog create(ThreadFactory threads) {
        AuditSink sink = lines -> {
            Error e = toThrow.getAndSet(null);
            if (e != null) {
                throw e;
            }
        };
        return AuditLog.builder(sink).threadFactory(threads).build();
    }

    @Override
    protected void start(AuditLog log) {
        log.start();
    }

    @Override
    protected CompletableFuture<ShutdownResult> shutdown(AuditLog log) {
        return log.shutdown();
    }

    @Override
    protected boolean provokeUserError(AuditLog running, Error error) {
        long failures = running.sinkFailures();
        toThrow.set(error);
        running.record(AuditLogTest.event("boom", "{}"));
        await().atMost(Duration.ofSeconds(5)).until(() -> running.sinkFailures() > failures);
        return true;
    }

    @Override
    protected void assertWorks(AuditLog running) {
        long written = running.written();
        running.record(AuditLogTest.event("ok", "{}"));
        await().atMost(Duration.ofSeconds(5)).until(() -> running.written() > written);
    }
}
