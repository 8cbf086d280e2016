package dev.outpost.spi;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A {@link Transport} that hands every call to another, the default methods included: extend it
 * and override what your decorator changes (metering, fault injection, pacing). Forwarding the
 * defaults is the point: a decorator that implements {@code Transport} directly and forgets
 * {@link #ackBatch} silently turns every batched acknowledgement back into one call per message.
 * {@link #push} is the exception (see there).
 *
 * <pre>{@code
 * Transport counting = new ForwardingTransport(sqs) {
 *     @Override
 *     public CompletableFuture<Void> send(String destination, Message message) {
 *         sent.increment();
 *         return super.send(destination, message);
 *     }
 * };
 * }</pre>
 */
public abstract class ForwardingTransport implements Transport {
    private final Transport delegate;

    /** Forwards to {@code delegate}. */
    protected ForwardingTransport(Transport delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** The transport calls are forwarded to. */
    protected Transport delegate() {
        return delegate;
    }

    @Override
    public CompletableFuture<Void> send(String destination, Message message) {
        return delegate.send(destination, message);
    }

    @Override
    public CompletableFuture<Void> sendBatch(String destination, List<Message> messages) {
        return delegate.sendBatch(destination, messages);
    }

    @Override
    public List<Delivery> receive(String source, int maxMessages, Duration wait) throws InterruptedException {
        return delegate.receive(source, maxMessages, wait);
    }

    @Override
    public CompletableFuture<Void> ackBatch(List<? extends Delivery> deliveries) {
        return delegate.ackBatch(deliveries);
    }

    @Override
    public OptionalLong depth(String source) {
        return delegate.depth(source);
    }

    @Override
    public void verify(String destination) {
        delegate.verify(destination);
    }

    @Override
    public boolean receivesLocally() {
        return delegate.receivesLocally();
    }

    /**
     * Not forwarded: empty, so that every delivery passes through this decorator's {@link #receive}. Override it to
     * forward when your decorator does not touch receiving.
     */
    @Override
    public Optional<Push> push(String source, Consumer<Delivery> receiver) {
        return Optional.empty();
    }

    @Override
    public int maxMessageBytes() {
        return delegate.maxMessageBytes();
    }

    /** Closes the delegate; override with an empty method when the decorator does not own it. */
    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + delegate + "]";
    }
}
