package dev.outpost.host.records;

import dev.outpost.Response;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Decoded;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Transport;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The record store's way in over the transport: receives the responses a
 * {@link dev.outpost.core.Scheduler} publishes (for example {@code host.processes} every 5 s) and stores
 * each successful one as a record, source = the response's worker id, request id = the response's
 * request id, data = its result.
 *
 * <pre>{@code
 * try (RecordConsumer consumer = RecordConsumer.builder(transport, "records", store).build().start()) { ... }
 * }</pre>
 *
 * <p>A delivery is acked only after its record is durable (or was already stored: the store keeps
 * one record per request id, so redeliveries are harmless). A write failure hands the delivery back
 * to be retried after {@link Builder#retryDelay}. Undecodable messages, error responses and
 * responses whose worker id is not a valid source are acked and counted as rejected, never stored.
 * One thread, {@code outpost-record-consumer-SOURCE}.
 */
public final class RecordConsumer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RecordConsumer.class);

    private final Transport transport;
    private final String source;
    private final RecordStore store;
    private final Codec codec;
    private final Duration retryDelay;
    private final Duration pollWait;
    private final Thread thread;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicLong stored = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    private RecordConsumer(Builder b) {
        this.transport = b.transport;
        this.source = b.source;
        this.store = b.store;
        this.codec = b.codec;
        this.retryDelay = b.retryDelay;
        this.pollWait = b.pollWait;
        this.thread = new Thread(this::loop, "outpost-record-consumer-" + source);
        thread.setDaemon(true);
    }

    /** A builder for a consumer of {@code source} writing into {@code store}. */
    public static Builder builder(Transport transport, String source, RecordStore store) {
        return new Builder(transport, source, store);
    }

    /** Starts the consuming thread. */
    public RecordConsumer start() {
        if (!running.compareAndSet(false, true)) {
            throw new IllegalStateException("already started");
        }
        thread.start();
        return this;
    }

    /** Records stored so far. */
    public long stored() {
        return stored.get();
    }

    /** Deliveries whose request id was already stored. */
    public long duplicates() {
        return duplicates.get();
    }

    /** Deliveries acked without storing (undecodable, error responses, invalid sources). */
    public long rejected() {
        return rejected.get();
    }

    /** Write failures (each handed back for a retry). */
    public long failures() {
        return failures.get();
    }

    /** Stops the thread; the delivery being handled finishes first. Idempotent. */
    @Override
    public void close() {
        if (running.compareAndSet(true, false)) {
            thread.interrupt();
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void loop() {
        while (running.get()) {
            List<Delivery> batch;
            try {
                batch = transport.receive(source, 10, pollWait);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("record consumer: receive from '{}' failed: {}", source, e.toString());
                try {
                    Thread.sleep(retryDelay.toMillis()); // back off before polling a failing source again
                } catch (InterruptedException ie) {
                    return;
                }
                continue;
            }
            for (Delivery d : batch) {
                handle(d);
            }
        }
    }

    private void handle(Delivery d) {
        Response response;
        try {
            Decoded<Response> decoded = codec.decodeResponse(d.message().body());
            response = decoded.document();
        } catch (RuntimeException e) { // CodecException and anything a codec throws
            rejected.incrementAndGet();
            log.warn("record consumer: undecodable message {} on '{}': {}", d.id(), source, e.getMessage());
            d.ack();
            return;
        }
        if (!response.isOk() || response.result().isEmpty()) {
            rejected.incrementAndGet();
            log.warn("record consumer: response {} from {} is {}, not stored", response.requestId(), response.worker(),
                    response.status());
            d.ack();
            return;
        }
        try {
            StoreResult r = store.store(response.requestId(), response.worker(), response.result().get(),
                    Optional.of(response.startedAt()));
            (r.duplicate() ? duplicates : stored).incrementAndGet();
            d.ack();
        } catch (RecordRejectedException e) {
            rejected.incrementAndGet();
            log.warn("record consumer: response {} refused: {}", response.requestId(), e.getMessage());
            d.ack();
        } catch (IOException | RuntimeException e) {
            failures.incrementAndGet();
            log.warn("record consumer: could not store {}; retrying in {}: {}", response.requestId(), retryDelay, e.toString());
            d.retry(retryDelay);
        }
    }

    /** Builds a {@link RecordConsumer}. */
    public static final class Builder {
        private final Transport transport;
        private final String source;
        private final RecordStore store;
        private Codec codec = JsonCodec.create();
        private Duration retryDelay = Duration.ofSeconds(5);
        private Duration pollWait = Duration.ofSeconds(20);

        Builder(Transport transport, String source, RecordStore store) {
            this.transport = Objects.requireNonNull(transport, "transport");
            this.source = Objects.requireNonNull(source, "source");
            this.store = Objects.requireNonNull(store, "store");
        }

        /** The codec responses are decoded with; the JSON codec by default (a sealing codec for sealed responses). */
        public Builder codec(Codec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /** How long a delivery whose record could not be written waits before it comes back; 5 s by default. */
        public Builder retryDelay(Duration delay) {
            Objects.requireNonNull(delay, "delay");
            if (delay.isNegative()) {
                throw new IllegalArgumentException("retryDelay must not be negative");
            }
            this.retryDelay = delay;
            return this;
        }

        /** The long-poll wait; 20 s by default. */
        public Builder pollWait(Duration wait) {
            this.pollWait = Objects.requireNonNull(wait, "wait");
            return this;
        }

        /** Builds the consumer (not yet started). */
        public RecordConsumer build() {
            return new RecordConsumer(this);
        }
    }
}
