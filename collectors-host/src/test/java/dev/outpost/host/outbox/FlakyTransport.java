package dev.outpost.host.outbox;

import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.Transport;
import dev.outpost.spi.TransportException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/** A real transport (the in-memory one) that can be made to fail sends, as a destination that is down. Logs what it accepted. */
final class FlakyTransport implements Transport {
    private final Transport inner;
    volatile boolean down;
    /** Sends that fail (as while down) before they go through again: an outage of exactly that many attempts. */
    final java.util.concurrent.atomic.AtomicInteger failNext = new java.util.concurrent.atomic.AtomicInteger();
    final AtomicLong refused = new AtomicLong();
    final List<Message> accepted = new CopyOnWriteArrayList<>();

    FlakyTransport(Transport inner) {
        this.inner = inner;
    }

    /** When set, sends hang until it completes (a destination that does not answer); {@link #held} counts them. */
    volatile CompletableFuture<Void> gate;
    final List<List<Message>> held = new CopyOnWriteArrayList<>();

    @Override
    public CompletableFuture<Void> send(String destination, Message message) {
        CompletableFuture<Void> g = gate;
        if (g != null) {
            held.add(List.of(message));
            return g.thenCompose(v -> sendNow(destination, message));
        }
        return sendNow(destination, message);
    }

    private CompletableFuture<Void> sendNow(String destination, Message message) {
        Error e = throwNext;
        if (e != null) {
            throwNext = null;
            throw e;
        }
        if (down || failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            refused.incrementAndGet();
            return CompletableFuture.failedFuture(new TransportException(destination, "destination is down (test)"));
        }
        return inner.send(destination, message).thenRun(() -> accepted.add(message));
    }

    /** Batch calls and their sizes, as SQS would see SendMessageBatch calls. */
    final List<Integer> batches = new CopyOnWriteArrayList<>();
    /** When set, the next send throws it instead of failing its future (a broken transport). */
    volatile Error throwNext;

    @Override
    public CompletableFuture<Void> sendBatch(String destination, List<Message> messages) {
        CompletableFuture<Void> g = gate;
        if (g != null) {
            held.add(List.copyOf(messages));
            return g.thenCompose(v -> sendBatchNow(destination, messages));
        }
        return sendBatchNow(destination, messages);
    }

    private CompletableFuture<Void> sendBatchNow(String destination, List<Message> messages) {
        Error e = throwNext;
        if (e != null) {
            throwNext = null;
            throw e;
        }
        if (down || failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            refused.incrementAndGet();
            return CompletableFuture.failedFuture(new TransportException(destination, "destination is down (test)"));
        }
        batches.add(messages.size());
        return Transport.super.sendBatch(destination, messages);
    }

    @Override
    public List<Delivery> receive(String source, int maxMessages, Duration wait) throws InterruptedException {
        return inner.receive(source, maxMessages, wait);
    }

    @Override
    public OptionalLong depth(String source) {
        return inner.depth(source);
    }

    /** Leaves the inner transport open: tests reopen outboxes over it. */
    @Override
    public void close() {}
}
