package dev.outpost.fleet;

import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.Transport;
import dev.outpost.spi.TransportException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/** A transport that refuses or silently drops sends to chosen destinations. */
final class FaultyTransport implements Transport {
    final Transport inner;
    volatile Predicate<String> refuse = d -> false;
    volatile Predicate<String> drop = d -> false;

    FaultyTransport(Transport inner) {
        this.inner = inner;
    }

    @Override
    public CompletableFuture<Void> send(String destination, Message message) {
        if (refuse.test(destination)) {
            return CompletableFuture.failedFuture(new TransportException(destination, "refused by the test"));
        }
        if (drop.test(destination)) {
            return CompletableFuture.completedFuture(null);
        }
        return inner.send(destination, message);
    }

    @Override
    public List<Delivery> receive(String source, int maxMessages, Duration wait) throws InterruptedException {
        return inner.receive(source, maxMessages, wait);
    }

    @Override
    public boolean receivesLocally() {
        return inner.receivesLocally();
    }

    @Override
    public void close() {
        // the shared transport is closed by its owner
    }
}
