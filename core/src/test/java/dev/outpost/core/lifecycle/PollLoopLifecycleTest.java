package dev.outpost.core.lifecycle;

import static org.awaitility.Awaitility.await;

import dev.outpost.ShutdownResult;
import dev.outpost.core.PollLoop;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Message;
import dev.outpost.testkit.LifecycleContract;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;

/** The one receive loop keeps the lifecycle every component shares, and survives an Error from its handler. */
class PollLoopLifecycleTest extends LifecycleContract<PollLoop> {
    private final InMemoryTransport transport = InMemoryTransport.create();
    private final Set<String> handled = ConcurrentHashMap.newKeySet();
    private final AtomicReference<Error> toThrow = new AtomicReference<>();
    private final Semaphore slots = new Semaphore(4);

    @AfterEach
    void closeTransport() {
        transport.close();
    }

    @Override
    protected PollLoop create(ThreadFactory threads) {
        return PollLoop.builder(transport, "records").threads(2).maxBatch(10).pollWait(Duration.ofMillis(50))
                .freeSlots(slots).threadFactory(threads)
                .handler(d -> {
                    try {
                        Error e = toThrow.getAndSet(null);
                        if (e != null) {
                            handled.add("threw");
                            throw e;
                        }
                        handled.add(new String(d.message().body(), StandardCharsets.UTF_8));
                        d.ack();
                    } finally {
                        slots.release();
                    }
                })
                .build();
    }

    @Override
    protected void start(PollLoop loop) {
        loop.start();
    }

    @Override
    protected CompletableFuture<ShutdownResult> shutdown(PollLoop loop) {
        return loop.shutdown();
    }

    @Override
    protected boolean provokeUserError(PollLoop running, Error error) {
        toThrow.set(error);
        transport.send("records", Message.of("boom".getBytes(StandardCharsets.UTF_8))).join();
        await().atMost(Duration.ofSeconds(10)).until(() -> handled.contains("threw"));
        return true;
    }

    @Override
    protected void assertWorks(PollLoop running) {
        String body = "record-" + System.nanoTime();
        transport.send("records", Message.of(body.getBytes(StandardCharsets.UTF_8))).join();
        await().atMost(Duration.ofSeconds(10)).until(() -> handled.contains(body));
    }

    @org.junit.jupiter.api.Test
    void aHandlerThatLeavesItsThreadInterruptedDoesNotEndTheLoop() throws Exception {
        java.util.concurrent.BlockingQueue<String> got = new java.util.concurrent.LinkedBlockingQueue<>();
        Semaphore one = new Semaphore(1);
        PollLoop loop = PollLoop.builder(transport, "interrupting").maxBatch(1).pollWait(Duration.ofSeconds(30))
                .freeSlots(one).handler(d -> {
                    got.add(new String(d.message().body(), StandardCharsets.UTF_8));
                    d.ack();
                    one.release();
                    Thread.currentThread().interrupt(); // as code does that restores an interrupt it caught
                }).build();
        loop.start();
        try {
            transport.send("interrupting", Message.of("one".getBytes(StandardCharsets.UTF_8))).join();
            org.assertj.core.api.Assertions.assertThat(got.poll(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("one");
            transport.send("interrupting", Message.of("two".getBytes(StandardCharsets.UTF_8))).join();
            // before: the next receive took the flag for a shutdown and the thread ended
            org.assertj.core.api.Assertions.assertThat(got.poll(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("two");
            org.assertj.core.api.Assertions.assertThat(loop.isRunning()).isTrue();
        } finally {
            loop.shutdown().get(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @org.junit.jupiter.api.Test
    void aStartThatCannotStartEveryThreadLeavesALoopThatShutsDown() throws Exception {
        AtomicReference<Thread> first = new AtomicReference<>();
        ThreadFactory secondFails = r -> {
            if (first.get() == null) {
                Thread t = new Thread(r);
                first.set(t);
                return t;
            }
            return new Thread(r) {
                @Override
                public synchronized void start() {
                    throw new OutOfMemoryError("unable to create native thread: possibly out of memory or process/resource"
                            + " limits reached");
                }
            };
        };
        PollLoop loop = PollLoop.builder(transport, "half").threads(2).pollWait(Duration.ofSeconds(30))
                .threadFactory(secondFails).handler(d -> d.ack()).build();
        org.assertj.core.api.Assertions.assertThatThrownBy(loop::start).isInstanceOf(OutOfMemoryError.class);
        // before: the thread that never ran was still counted as live, so the shutdown never completed
        org.assertj.core.api.Assertions.assertThat(loop.shutdown().get(10, java.util.concurrent.TimeUnit.SECONDS).clean())
                .isTrue();
        first.get().join(java.util.concurrent.TimeUnit.SECONDS.toMillis(10)); // it completes the future, then ends
        org.assertj.core.api.Assertions.assertThat(first.get().isAlive()).isFalse();

        PollLoop noThreads = PollLoop.builder(transport, "none").threadFactory(r -> null).handler(d -> d.ack()).build();
        org.assertj.core.api.Assertions.assertThatThrownBy(noThreads::start).isInstanceOf(IllegalStateException.class);
        org.assertj.core.api.Assertions.assertThat(noThreads.shutdown().get(10, java.util.concurrent.TimeUnit.SECONDS)
                .clean()).isTrue();
    }
}
