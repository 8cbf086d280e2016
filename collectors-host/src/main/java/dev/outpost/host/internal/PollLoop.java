package dev.outpost.host.internal;

import dev.outpost.spi.Delivery;
import dev.outpost.spi.Transport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer's poll loop: receive a batch, hand each delivery to the handler, back off when
 * receiving fails. Whatever the handler throws, {@link Error}s included, is caught, counted and
 * logged, and the loop goes on. Kept in one small class so that core's shared loop can replace it.
 */
public final class PollLoop implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(PollLoop.class);

    private final Transport transport;
    private final String source;
    private final int batch;
    private final Duration pollWait;
    private final Duration backoff;
    private final BooleanSupplier running;
    private final Consumer<Delivery> handler;
    private final LongAdder handlerFailures = new LongAdder();

    public PollLoop(Transport transport, String source, int batch, Duration pollWait, Duration backoff, BooleanSupplier running,
            Consumer<Delivery> handler) {
        this.transport = transport;
        this.source = source;
        this.batch = batch;
        this.pollWait = pollWait;
        this.backoff = backoff;
        this.running = running;
        this.handler = handler;
    }

    @Override
    public void run() {
        while (running.getAsBoolean()) {
            List<Delivery> deliveries;
            try {
                deliveries = transport.receive(source, batch, pollWait);
            } catch (InterruptedException e) {
                return;
            } catch (Throwable e) {
                log.warn("poll loop: receive from '{}' failed: {}", source, e.toString());
                try {
                    Thread.sleep(Math.max(1, backoff.toMillis())); // back off before polling a failing source again
                } catch (InterruptedException ie) {
                    return;
                }
                continue;
            }
            for (Delivery d : deliveries) {
                try {
                    handler.accept(d);
                } catch (Throwable t) {
                    handlerFailures.increment();
                    log.error("poll loop: handling delivery {} from '{}' threw {}; going on", d.id(), source, t.toString(), t);
                }
            }
        }
    }

    /** Throwables the handler let escape. */
    public long handlerFailures() {
        return handlerFailures.sum();
    }
}
