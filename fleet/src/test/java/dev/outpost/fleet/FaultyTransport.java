package dev.outpost.fleet;

import dev.outpost.spi.ForwardingTransport;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.Transport;
import dev.outpost.spi.TransportException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/** A transport that refuses or silently drops sends to chosen destinations. */
final class FaultyTransport extends ForwardingTransport {
    volatile Predicate<String> refuse = d -> false;
    volatile Predicate<String> drop = d -> false;

    FaultyTransport(Transport inner) {
        super(inner);
    }

    @Override
    public CompletableFuture<Void> send(String destination, Message message) {
        if (refuse.test(destination)) {
            return CompletableFuture.failedFuture(new TransportException(destination, "refused by the test"));
        }
        if (drop.test(destination)) {
            return CompletableFuture.completedFuture(null);
        }
        return delegate().send(destination, message);
    }

    /** Through {@link #send}, one by one, so that the faults apply to batches too. */
    @Override
    public CompletableFuture<Void> sendBatch(String destination, List<Message> messages) {
        return CompletableFuture.allOf(messages.stream().map(m -> send(destination, m)).toArray(CompletableFuture[]::new));
    }

    @Override
    public void close() {
        // the shared transport is closed by its owner
    }
}
