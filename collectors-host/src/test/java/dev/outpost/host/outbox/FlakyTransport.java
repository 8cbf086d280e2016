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
    final AtomicLong refused = new AtomicLong();
    final List<Message> accepted = new CopyOnWriteArrayList<>();

    FlakyTransport(Transport inner) {
        this.inner = inner;
    }

    @Override
    public CompletableFuture<Void> send(String destination, Message message) {
        if (down) {
            refused.incrementAndGet();
            return CompletableFuture.failedFuture(new TransportException(destination, "destination is down (test)"));
        }
        return inner.send(destination, message).thenRun(() -> accepted.add(message));
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
