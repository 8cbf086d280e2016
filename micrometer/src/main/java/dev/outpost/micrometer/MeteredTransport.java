package dev.outpost.micrometer;

import dev.outpost.micrometer.internal.OpTimers;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.Transport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link Transport} that times what it does. Wrap the transport once and hand the wrapper to the
 * worker, client or scheduler:
 *
 * <pre>{@code
 * Transport transport = MeteredTransport.wrap(sqsTransport, meterRegistry);
 * }</pre>
 *
 * <p>Meters: {@code outpost.transport.operations} timer [operation = send | send.batch | receive,
 * outcome = ok or the failure's exception name], {@code outpost.transport.messages} counter
 * [direction = sent | received]. Destinations are not tags (a client's reply queue has a unique
 * name, which would make the registry grow); {@link #monitorDepth(String)} adds a gauge for one
 * queue's depth. Closing the wrapper closes the transport.
 */
public final class MeteredTransport implements Transport {
    private final Transport delegate;
    private final MeterRegistry registry;
    private final MeterSettings settings;
    private final OpTimers timers;
    private final Counter sent;
    private final Counter received;

    private MeteredTransport(Transport delegate, MeterRegistry registry, MeterSettings settings) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.timers = new OpTimers(registry, "outpost.transport.operations", "transport operations",
                settings.commonTags(), settings.percentiles(), settings.percentileHistogram(), settings.maxTagValues());
        this.sent = Counter.builder("outpost.transport.messages").tags(settings.commonTags()).tag("direction", "sent")
                .description("messages moved").register(registry);
        this.received = Counter.builder("outpost.transport.messages").tags(settings.commonTags()).tag("direction", "received")
                .description("messages moved").register(registry);
    }

    /** Wraps {@code transport} with the default settings. */
    public static MeteredTransport wrap(Transport transport, MeterRegistry registry) {
        return new MeteredTransport(transport, registry, MeterSettings.DEFAULTS);
    }

    /** Wraps {@code transport}. */
    public static MeteredTransport wrap(Transport transport, MeterRegistry registry, MeterSettings settings) {
        return new MeteredTransport(transport, registry, settings);
    }

    /** Adds the gauge {@code outpost.transport.queue.depth} [queue] for {@code source}; NaN when unknown. */
    public MeteredTransport monitorDepth(String source) {
        Objects.requireNonNull(source, "source");
        Gauge.builder("outpost.transport.queue.depth", delegate, t -> {
            OptionalLong d = t.depth(source);
            return d.isPresent() ? d.getAsLong() : Double.NaN;
        }).tags(settings.commonTags()).tag("queue", source).description("messages waiting").register(registry);
        return this;
    }

    @Override
    public CompletableFuture<Void> send(String destination, Message message) {
        return timed("send", 1, delegate.send(destination, message), Timer.start(registry));
    }

    @Override
    public CompletableFuture<Void> sendBatch(String destination, List<Message> messages) {
        return timed("send.batch", messages.size(), delegate.sendBatch(destination, messages), Timer.start(registry));
    }

    private CompletableFuture<Void> timed(String op, int count, CompletableFuture<Void> f, Timer.Sample sample) {
        f.whenComplete((ok, e) -> {
            sample.stop(timers.timer(op, e == null ? "ok" : OpTimers.outcomeOf(e)));
            if (e == null) {
                sent.increment(count);
            }
        });
        return f;
    }

    @Override
    public List<Delivery> receive(String source, int maxMessages, Duration wait) throws InterruptedException {
        Timer.Sample sample = Timer.start(registry);
        try {
            List<Delivery> out = delegate.receive(source, maxMessages, wait);
            sample.stop(timers.timer("receive", "ok"));
            received.increment(out.size());
            return out;
        } catch (InterruptedException | RuntimeException | Error e) {
            sample.stop(timers.timer("receive", OpTimers.outcomeOf(e)));
            throw e;
        }
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

    @Override
    public int maxMessageBytes() {
        return delegate.maxMessageBytes();
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return "Metered" + delegate;
    }
}
