package dev.outpost.host.records;

import dev.outpost.ConfigException;
import dev.outpost.Response;
import dev.outpost.ShutdownResult;
import dev.outpost.core.PollLoop;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.core.lifecycle.Lifecycle;
import dev.outpost.core.lifecycle.OwnedThreads;
import dev.outpost.host.internal.Config;
import dev.outpost.spi.Codec;
import dev.outpost.spi.ConfigSource;
import dev.outpost.spi.Decoded;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Transport;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
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
 * Whatever the codec or the store throws, {@link Error}s included, is caught and counted
 * ({@link #failures()}), the delivery handed back, and the next one handled: one bad message
 * never stops the consumer. A message the codec throws an Error on at each of 5 receives is given up
 * (acked, counted rejected, logged with the reason) so that it does not come back forever. One thread, {@code outpost-records-consumer-N-poller-1} unless a
 * {@linkplain Builder#threadFactory thread factory} makes it; nothing runs before {@link #start()}.
 */
public final class RecordConsumer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RecordConsumer.class);
    /** The destination consumed by default. */
    public static final String DEFAULT_SOURCE = "records";
    /** Receives of one message whose handling threw unexpectedly, after which it is given up (acked, counted rejected). */
    static final int MAX_ATTEMPTS = 5;
    /** The most characters of a sender's worker id a log line quotes: the longest source a store takes. */
    private static final int MAX_LOGGED_ID = 128;

    private final Transport transport;
    private final String source;
    private final RecordStore store;
    private final Codec codec;
    private final Duration retryDelay;
    private final Lifecycle lifecycle;
    private final PollLoop loop;
    private final AtomicLong stored = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    private RecordConsumer(Builder b, String source, Duration retryDelay, Duration pollWait) {
        this.transport = b.transport;
        this.source = source;
        this.store = b.store;
        this.codec = b.codec;
        this.retryDelay = retryDelay;
        this.lifecycle = new Lifecycle("records-consumer", new OwnedThreads("records-consumer", b.threadFactory));
        this.loop = PollLoop.builder(transport, source).maxBatch(10).pollWait(pollWait).handler(this::handle)
                .threadFactory(lifecycle.role("poller")).owner("record consumer on '" + source + "'").build();
    }

    /** A builder for a consumer of {@code source} writing into {@code store}. */
    public static Builder builder(Transport transport, String source, RecordStore store) {
        return new Builder(transport, store).source(source);
    }

    /** A builder for a consumer writing into {@code store}; the source is {@code outpost.records.consumer.source} or {@value #DEFAULT_SOURCE}. */
    public static Builder builder(Transport transport, RecordStore store) {
        return new Builder(transport, store);
    }

    /**
     * Checks that the source exists (a transport unreachable now is an outage waited out), then starts the consuming
     * thread.
     *
     * @return this consumer
     * @throws dev.outpost.spi.NoSuchDestinationException when the source does not exist; nothing started
     * @throws IllegalStateException when started before or shut down
     */
    public RecordConsumer start() {
        if (!lifecycle.running() && !lifecycle.stopped()) {
            // as a worker checks its requests queue: a misspelt 'records' fails now, not never; started or shut down, the
            // IllegalStateException below says so, not a check of a queue since deleted or an outage's timeouts
            try {
                transport.verify(source);
            } catch (dev.outpost.spi.NoSuchDestinationException e) {
                throw e;
            } catch (dev.outpost.spi.TransportException e) { // a check it could not make now (by the SPI): an outage
                log.warn("record consumer: could not check '{}' now, receives will retry: {}", source, e.getMessage());
            }
        }
        lifecycle.start();
        loop.start();
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

    /** Deliveries handed back because storing them failed, or the codec or store threw (each retried). */
    public long failures() {
        return failures.get() + loop.handlerFailures();
    }

    /**
     * Stops the thread; the delivery being handled finishes first. Idempotent: every call returns
     * the same future. The transport and the store are the caller's to close.
     */
    public CompletableFuture<ShutdownResult> shutdown() {
        return lifecycle.shutdown(Duration.ofSeconds(10), () -> loop.shutdown().join());
    }

    /** {@link #shutdown()} and wait. */
    @Override
    public void close() {
        lifecycle.closeAndReport(shutdown());
    }

    private void handle(Delivery d) {
        Response response;
        try {
            Decoded<Response> decoded = codec.decodeResponse(d.message().body());
            response = decoded.document();
        } catch (Exception e) { // CodecException and anything a codec throws
            rejected.incrementAndGet();
            log.warn("record consumer: undecodable message {} on '{}': {}", d.id(), source, e.getMessage());
            d.ack();
            return;
        } catch (Throwable e) {
            // an Error from a codec may pass (memory) or be the message's doing (a stack overflow on hostile
            // nesting): tried again a few times, then given up, or it would come back forever
            if (d.receiveCount() >= MAX_ATTEMPTS) {
                rejected.incrementAndGet();
                log.error("record consumer: the codec threw {} on message {} on each of {} receives; given up, not stored",
                        e.toString(), d.id(), d.receiveCount(), e);
                d.ack();
                return;
            }
            failures.incrementAndGet();
            log.error("record consumer: the codec threw {} on message {}; handed back", e.toString(), d.id(), e);
            d.retry(retryDelay);
            return;
        }
        if (!response.isOk() || response.result().isEmpty()) {
            rejected.incrementAndGet();
            log.warn("record consumer: response {} from {} is {}, not stored", response.requestId(), shown(response.worker()),
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
        } catch (Throwable e) {
            failures.incrementAndGet();
            log.warn("record consumer: could not store {}; retrying in {}: {}", response.requestId(), retryDelay, e.toString());
            d.retry(retryDelay);
        }
    }

    /**
     * A sender's id for a log line: no schema bounds it, and every message could else put 200 KB in the
     * operator's log (control characters are refused by {@link Response} already).
     */
    private static String shown(String id) {
        return id.length() <= MAX_LOGGED_ID ? id : id.substring(0, MAX_LOGGED_ID) + "… ("
                + id.length() + " characters)";
    }

    /**
     * Builds a {@link RecordConsumer}. Values set by a method win over {@link #configure
     * configuration} ({@code outpost.records.consumer.source}, {@code .poll-wait},
     * {@code .retry-delay}), which wins over the defaults.
     */
    public static final class Builder {
        private final Transport transport;
        private final RecordStore store;
        private String source;
        private Codec codec = JsonCodec.create();
        private Duration retryDelay;
        private Duration pollWait;
        private Optional<ThreadFactory> threadFactory = Optional.empty();
        private Optional<ConfigSource> config = Optional.empty();

        Builder(Transport transport, RecordStore store) {
            this.transport = Objects.requireNonNull(transport, "transport");
            this.store = Objects.requireNonNull(store, "store");
        }

        /** The destination to consume; {@value #DEFAULT_SOURCE} by default. */
        public Builder source(String source) {
            Objects.requireNonNull(source, "source");
            if (source.isBlank()) {
                throw ConfigException.of("source", "must not be blank");
            }
            this.source = source;
            return this;
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
                throw ConfigException.of("retryDelay", "must not be negative, was " + delay);
            }
            this.retryDelay = delay;
            return this;
        }

        /** The long-poll wait; 20 s by default. */
        public Builder pollWait(Duration wait) {
            Objects.requireNonNull(wait, "wait");
            if (wait.isNegative()) {
                throw ConfigException.of("pollWait", "must not be negative, was " + wait);
            }
            this.pollWait = wait;
            return this;
        }

        /** Makes the consumer's thread. */
        public Builder threadFactory(ThreadFactory factory) {
            this.threadFactory = Optional.of(Objects.requireNonNull(factory, "factory"));
            return this;
        }

        /** Takes {@code outpost.records.consumer.*} from {@code config} for what no method set. Checked at {@link #build()}. */
        public Builder configure(ConfigSource config) {
            this.config = Optional.of(Objects.requireNonNull(config, "config"));
            return this;
        }

        /**
         * Builds the consumer (not yet started).
         *
         * @throws ConfigException listing every problem
         */
        public RecordConsumer build() {
            Config c = new Config(config);
            String src = c.string(source, "outpost.records.consumer.source").orElse(DEFAULT_SOURCE);
            Duration retry = c.duration(retryDelay, "outpost.records.consumer.retry-delay", Duration.ofSeconds(5), true);
            Duration wait = c.duration(pollWait, "outpost.records.consumer.poll-wait", Duration.ofSeconds(20), true);
            c.throwIfAny();
            return new RecordConsumer(this, src, retry, wait);
        }
    }
}
