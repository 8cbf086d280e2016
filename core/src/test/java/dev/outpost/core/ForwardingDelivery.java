package dev.outpost.core;

import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** A delivery that hands every call to another: tests override what their fault changes (an ack that throws, say). */
class ForwardingDelivery implements Delivery {
    final Delivery delegate;

    ForwardingDelivery(Delivery delegate) {
        this.delegate = delegate;
    }

    @Override
    public String id() {
        return delegate.id();
    }

    @Override
    public String messageId() {
        return delegate.messageId();
    }

    @Override
    public String source() {
        return delegate.source();
    }

    @Override
    public Message message() {
        return delegate.message();
    }

    @Override
    public int receiveCount() {
        return delegate.receiveCount();
    }

    @Override
    public CompletableFuture<Void> ack() {
        return delegate.ack();
    }

    @Override
    public CompletableFuture<Void> retry(Duration delay) {
        return delegate.retry(delay);
    }

    @Override
    public CompletableFuture<Void> extend(Duration visibility) {
        return delegate.extend(visibility);
    }
}
