package dev.outpost.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.inmemory.InMemoryTransport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultOutboxTest {
    @TempDir
    Path dir;

    @Test
    void twoAnswersKeptAtOnceNeverTakeTheOutboxPastItsBound() throws Exception {
        AtomicReference<Thread> second = new AtomicReference<>();
        CountDownLatch firstFits = new CountDownLatch(1);
        AtomicInteger fitting = new AtomicInteger();
        AtomicLong secondResult = new AtomicLong(Long.MIN_VALUE);
        // the first answer to fit waits until the second has fitted too, or is held off (blocked, or refused)
        Runnable fits = () -> {
            if (fitting.incrementAndGet() == 1) {
                firstFits.countDown();
                Thread t;
                while ((t = second.get()) == null
                        || (fitting.get() < 2 && t.getState() != Thread.State.BLOCKED && secondResult.get() == Long.MIN_VALUE)) {
                    Thread.onSpinWait();
                }
            }
        };
        ResultOutbox outbox = new ResultOutbox(dir.resolve("outbox"), InMemoryTransport.create(), "dead", 1, 1 << 20,
                Duration.ofMinutes(1), Duration.ofMinutes(1), System::nanoTime, fits);
        outbox.open();
        AtomicLong firstResult = new AtomicLong();
        Thread first = new Thread(() -> firstResult.set(outbox.keep("a\0" + 1, "replies", new byte[10])));
        first.start();
        assertThat(firstFits.await(10, TimeUnit.SECONDS)).isTrue();
        Thread t = new Thread(() -> secondResult.set(outbox.keep("a\0" + 2, "replies", new byte[10])));
        second.set(t);
        t.start();
        first.join(10_000);
        t.join(10_000);

        assertThat(outbox.size()).isEqualTo(1);
        assertThat(firstResult.get()).isNotNegative();
        assertThat(secondResult.get()).isEqualTo(-1);
        assertThat(outbox.full.sum()).isEqualTo(1);
    }
}
