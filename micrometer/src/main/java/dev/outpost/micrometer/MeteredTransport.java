package dev.outpost.micrometer;

import dev.outpost.micrometer.internal.OpTimers;
import dev.outpost.spi.ForwardingTransport;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.Transport;
import io.micrometer.core.instrument.Clock;
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
public final class MeteredTransport extends ForwardingTransport {
    private final MeterRegistry registry;
    private final MeterSettings settings;
    private final OpTimers timers;
    private final Counter sent;
    private final Counter received;
    private final Clock clock;
    // the timers of the usual outcomes, found without a map lookup on every call
    private final Timer sendOk;
    private final Timer sendBatchOk;
    private final Timer receiveOk;

    private MeteredTransport(Transport delegate, MeterRegistry registry, MeterSettings settings) {
        super(delegate);
        this.registry = Objects.requireNonNull(registry, "registry");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.timers = new OpTimers(registry, "outpost.transport.operations", "transport operations",
                settings.commonTags(), settings.percentiles(), settings.percentileHistogram(), settings.maxTagValues());
        this.sent = Counter.builder("outpost.transport.messages").tags(settings.commonTags()).tag("direction", "sent")
                .description("messages moved").register(registry);
        this.received = Counter.builder("outpost.transport.messages").tags(settings.commonTags()).tag("direction", "received")
                .description("messages moved").register(registry);
        this.clock = registry.config().clock();
        this.sendOk = timers.timer("send", "ok");
        this.sendBatchOk = timers.timer("send.batch", "ok");
        this.receiveOk = timers.timer("receive", "ok");
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
        Gauge.builder("outpost.transport.queue.depth", delegate(), t -> {
            OptionalLong d = t.depth(source);
            return d.isPresent() ? d.getAsLong() : Double.NaN;
        }).tags(settings.commonTags()).tag("queue", source).description("messages waiting").register(registry);
        return this;
    }

    @Override
    public CompletableFuture<Void> send(String destination, Message message) {
        long t0 = clock.monotonicTime(); // before the call: a transport may do its work inside it
        return timed("send", sendOk, 1, delegate().send(destination, message), t0);
    }

    @Override
    public CompletableFuture<Void> sendBatch(String destination, List<Message> messages) {
        long t0 = clock.monotonicTime();
        return timed("send.batch", sendBatchOk, messages.size(), delegate().sendBatch(destination, messages), t0);
    }

    private CompletableFuture<Void> timed(String op, Timer ok, int count, CompletableFuture<Void> f, long t0) {
        if (f.isDone() && !f.isCompletedExceptionally()) { // an in-process send: no callback to allocate
            OpTimers.record(ok, clock.monotonicTime() - t0);
            OpTimers.increment(sent, count);
            return f;
        }
        f.whenComplete((v, e) -> {
            if (e == null) {
                OpTimers.record(ok, clock.monotonicTime() - t0);
                OpTimers.increment(sent, count);
            } else {
                timers.record(op, OpTimers.outcomeOf(e), clock.monotonicTime() - t0);
            }
        });
        return f;
    }

    @Override
    public List<Delivery> receive(String source, int maxMessages, Duration wait) throws InterruptedException {
        long t0 = clock.monotonicTime();
        try {
            List<Delivery> out = delegate().receive(source, maxMessages, wait);
            OpTimers.record(receiveOk, clock.monotonicTime() - t0);
            if (!out.isEmpty()) {
                OpTimers.increment(received, out.size());
            }
            return out;
        } catch (InterruptedException | RuntimeException | Error e) {
            timers.record("receive", OpTimers.outcomeOf(e), clock.monotonicTime() - t0);
            throw e;
        }
    }

    @Override
    public String toString() {
        return "Metered" + delegate();
    }
}
