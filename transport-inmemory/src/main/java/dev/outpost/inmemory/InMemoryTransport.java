package dev.outpost.inmemory;

import dev.outpost.inmemory.internal.Destinations;
import dev.outpost.inmemory.internal.MemoryDelivery;
import dev.outpost.inmemory.internal.MemoryQueue;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.NoSuchDestinationException;
import dev.outpost.spi.MessageTooLargeException;
import dev.outpost.spi.Transport;
import dev.outpost.spi.TransportException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A {@link Transport} with SQS semantics inside one JVM: for tests, demos, and applications whose
 * clients and workers share a process.
 *
 * <pre>{@code
 * try (InMemoryTransport transport = InMemoryTransport.builder()
 *         .queue("requests", QueueOptions.builder().redrive(5, "requests-dlq").build())
 *         .topic("everyone", "host-a", "host-b")
 *         .build()) {
 *     transport.send("requests", Message.of(body)).join();
 *     List<Delivery> got = transport.receive("requests", 10, Duration.ofSeconds(1));
 * }
 * }</pre>
 *
 * <ul>
 *   <li>A received message stays invisible for the queue's visibility timeout, then comes back
 *       with its receive count increased; {@link Delivery#retry} and {@link Delivery#extend} move
 *       that deadline.
 *   <li>A queue with a redrive policy ({@link QueueOptions.Builder#redrive}) moves a message to its
 *       dead-letter queue, keeping its {@linkplain Delivery#messageId() message id}, instead of
 *       delivering it more than {@code maxReceiveCount} times. As on SQS, the move happens when the
 *       queue is next received from.
 *   <li>A send to a topic puts a copy in every subscribed queue. A topic with no subscribers drops
 *       the message, as SNS does. A name is either a queue or a topic, never both.
 *   <li>Receives long-poll: they return as soon as one message is there, or empty after the wait.
 *       {@code maxMessages} is 1 to 10, as on SQS.
 *   <li>Ack, retry and extend of a stale delivery (its visibility ran out and the message became
 *       visible again, or it was already acked, handed back or purged) do nothing and complete
 *       normally, so that a slow worker cannot delete or hide a message another worker now holds.
 *       SQS behaves alike: only the latest receipt handle counts.
 *   <li>Messages over the queue's {@code maxMessageBytes} are refused with
 *       {@link MessageTooLargeException}; sends that would take the bytes held over
 *       {@code maxQueuedBytes} with {@link TransportFullException}. Both fail the returned future.
 * </ul>
 *
 * <p>Queues are created on first send or receive unless {@link Builder#autoCreate(boolean)} is off.
 * Thread-safe: each queue has its own lock, and nothing runs in the background (visibility
 * deadlines are checked when a queue is next used). Operations complete before they return; their
 * futures are already done.
 */
public final class InMemoryTransport implements Transport {
    /** Default visibility timeout, as SQS's. */
    public static final Duration DEFAULT_VISIBILITY_TIMEOUT = Duration.ofSeconds(30);
    /** Default largest message, as SQS's (256 KiB). */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024;
    /** Default bound on bytes held across all queues (64 MiB). */
    public static final long DEFAULT_MAX_QUEUED_BYTES = 64L * 1024 * 1024;
    /** The most messages one receive returns, as on SQS. */
    public static final int MAX_RECEIVE = 10;

    private final Duration visibilityTimeout;
    private final int maxMessageBytes;
    private final long maxQueuedBytes;
    private final boolean autoCreate;
    private final LongSupplier ticker;
    // creating and configuring destinations is rare: one lock keeps "queue or topic, never both" true
    private final AtomicLong queuedBytes = new AtomicLong();
    private final LongAdder[] ops = new LongAdder[6];
    private final MemoryQueue.Accounting accounting = new MemoryQueue.Accounting() {
        @Override
        public void released(long bytes) {
            queuedBytes.addAndGet(-bytes);
        }

        @Override
        public void redrive(String deadLetterQueue, Message message, String messageId) {
            queuedBytes.addAndGet(message.size()); // a move, not a new send: the bound is not applied
            destinations.queue(deadLetterQueue, true).add(List.of(message), messageId);
            ops[MemoryQueue.Ops.REDRIVE].increment();
        }

        @Override
        public void count(int op) {
            ops[op].increment();
        }
    };
    private final Destinations destinations;
    private volatile boolean closed;

    private InMemoryTransport(Builder b) {
        this.visibilityTimeout = b.visibilityTimeout;
        this.maxMessageBytes = b.maxMessageBytes;
        this.maxQueuedBytes = b.maxQueuedBytes;
        this.autoCreate = b.autoCreate;
        this.ticker = b.ticker;
        for (int i = 0; i < ops.length; i++) {
            ops[i] = new LongAdder();
        }
        this.destinations = new Destinations(visibilityTimeout, maxMessageBytes, autoCreate, ticker, accounting);
        destinations.declareAll(b.queues, b.topics);
    }

    /** A transport with the defaults: 30 s visibility, 256 KiB messages, 64 MiB in all, queues made on first use. */
    public static InMemoryTransport create() {
        return builder().build();
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Creates a queue, or changes the options of an existing one in place (receivers waiting on it
     * keep waiting; messages in flight keep their deadlines).
     *
     * @throws IllegalArgumentException when {@code name} is a topic, or the dead-letter queue is
     *     this queue or a topic
     * @throws TransportException when auto-create is off and the dead-letter queue does not exist
     */
    public void queue(String name, QueueOptions options) {
        requireName(name);
        destinations.queue(name, Objects.requireNonNull(options, "options"));
    }

    /**
     * Creates a topic (idempotent).
     *
     * @throws IllegalArgumentException when {@code name} is a queue
     */
    public void topic(String name) {
        destinations.topic(requireName(name));
    }

    /**
     * Subscribes {@code queue} to {@code topic} (idempotent); creates the queue if needed, even
     * with auto-create off, since subscribing declares it.
     *
     * @throws TransportException when there is no such topic
     * @throws IllegalArgumentException when {@code queue} is a topic
     */
    public void subscribe(String topic, String queue) {
        destinations.subscribe(requireName(topic), requireName(queue));
    }

    /**
     * {@inheritDoc}
     *
     * <p>With auto-create on (the default) every name is usable; with it off, only declared
     * queues and topics.
     */
    @Override
    public void verify(String destination) {
        if (!autoCreate && !destinations.exists(destination)) {
            throw new NoSuchDestinationException(destination, "no queue or topic named '" + destination
                    + "' (auto-create is off): declare it with queue(name, options) or topic(name)");
        }
    }

    /** {@inheritDoc} True: a receive is a lock and a queue operation in this JVM. */
    @Override
    public boolean receivesLocally() {
        return true;
    }

    @Override
    public CompletableFuture<Void> send(String destination, Message message) {
        return sendBatch(destination, List.of(Objects.requireNonNull(message, "message")));
    }

    /**
     * {@inheritDoc}
     *
     * <p>All or nothing: when one message is refused, none is sent. The returned future is already
     * complete; it fails with {@link MessageTooLargeException}, {@link TransportFullException}, or a
     * {@link TransportException} for an unknown destination (auto-create off) or a closed transport.
     */
    @Override
    public CompletableFuture<Void> sendBatch(String destination, List<Message> messages) {
        try {
            requireName(destination);
            Objects.requireNonNull(messages, "messages");
            ensureOpen(destination);
            List<String> subscribers = destinations.subscribersOf(destination);
            MemoryQueue single = null;
            List<MemoryQueue> targets = null;
            int limit;
            if (subscribers == null) {
                single = destinations.queue(destination, autoCreate);
                limit = single.maxMessageBytes();
            } else {
                targets = new ArrayList<>(subscribers.size());
                limit = Integer.MAX_VALUE;
                for (String q : subscribers) {
                    MemoryQueue target = destinations.queue(q, true);
                    targets.add(target);
                    limit = Math.min(limit, target.maxMessageBytes());
                }
            }
            long total = 0;
            for (Message m : messages) {
                if (m.size() > limit) {
                    throw new MessageTooLargeException(destination, m.size(), limit);
                }
                total += m.size();
            }
            long needed = total * (single != null ? 1 : targets.size());
            long after = queuedBytes.addAndGet(needed);
            if (after > maxQueuedBytes) {
                queuedBytes.addAndGet(-needed);
                throw new TransportFullException(destination, needed, after - needed, maxQueuedBytes);
            }
            if (single != null) {
                single.add(messages, null);
            } else {
                for (MemoryQueue q : targets) {
                    q.add(messages, null);
                }
            }
            ops[MemoryQueue.Ops.SEND].add(messages.size());
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Receivers blocked here when the transport is closed return empty at once.
     *
     * @throws IllegalArgumentException when {@code maxMessages} is not 1 to 10 (as on SQS)
     * @throws TransportException when the source is a topic, unknown (with auto-create off), or the
     *     transport is closed
     */
    @Override
    public List<Delivery> receive(String source, int maxMessages, Duration wait) throws InterruptedException {
        requireName(source);
        if (maxMessages < 1 || maxMessages > MAX_RECEIVE) {
            throw new IllegalArgumentException("maxMessages must be 1 to " + MAX_RECEIVE + ", was " + maxMessages);
        }
        Objects.requireNonNull(wait, "wait");
        ensureOpen(source);
        if (destinations.isTopic(source)) {
            throw new TransportException(source, "'" + source + "' is a topic: receive from a queue subscribed to it");
        }
        MemoryQueue q = destinations.queue(source, autoCreate);
        ops[MemoryQueue.Ops.RECEIVE].increment();
        return q.receive(maxMessages, wait.isNegative() ? Duration.ZERO : wait);
    }

    /**
     * {@inheritDoc}
     *
     * <p>One receiver a queue. A message is pushed when nothing visible waits before it and its queue delays nothing;
     * it counts as received once, and no receive is counted for it in {@link #stats()}.
     */
    @Override
    public Optional<Push> push(String source, Consumer<Delivery> receiver) {
        requireName(source);
        Objects.requireNonNull(receiver, "receiver");
        ensureOpen(source);
        if (destinations.isTopic(source)) {
            throw new TransportException(source, "'" + source + "' is a topic: push from a queue subscribed to it");
        }
        MemoryQueue q = destinations.queue(source, autoCreate);
        Consumer<Delivery> mine = receiver::accept; // its own identity: stopping never stops another's
        return q.pushTo(mine) ? Optional.of(() -> q.stopPushing(mine)) : Optional.empty();
    }

    /**
     * Messages visible in {@code source} now (neither in flight nor delayed); 0 for a queue not
     * created yet, empty for a topic, which holds nothing.
     */
    @Override
    public OptionalLong depth(String source) {
        if (destinations.isTopic(source)) {
            return OptionalLong.empty();
        }
        MemoryQueue q = destinations.existing(source);
        return OptionalLong.of(q == null ? 0 : q.depth());
    }

    /**
     * {@inheritDoc} Deliveries of one queue are acked under one lock; deliveries this transport
     * did not make are acked one by one.
     */
    @Override
    public CompletableFuture<Void> ackBatch(List<? extends Delivery> deliveries) {
        List<Delivery> other = MemoryDelivery.ackOneQueue(deliveries);
        return other.isEmpty() ? CompletableFuture.completedFuture(null) : Transport.super.ackBatch(other);
    }

    /** The transport's default largest message body; a queue may set its own with {@link QueueOptions}. */
    @Override
    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    /** Messages of {@code queue} received and neither acked, handed back nor expired; 0 for an unknown queue. */
    public int inFlight(String queue) {
        MemoryQueue q = destinations.existing(queue);
        return q == null ? 0 : q.inFlight();
    }

    /**
     * Every message in {@code queue} (visible, in flight or delayed), oldest first, without
     * consuming them. Empty for an unknown queue.
     */
    public List<Message> peek(String queue) {
        MemoryQueue q = destinations.existing(queue);
        return q == null ? List.of() : q.peek();
    }

    /** Deletes every message in {@code queue}; deliveries held for them become stale. */
    public void purge(String queue) {
        MemoryQueue q = destinations.existing(queue);
        if (q != null) {
            q.purge();
        }
    }

    /** The names of the queues that exist, sorted. */
    public Set<String> queues() {
        return destinations.queueNames();
    }

    /** The queues subscribed to {@code topic}; empty for an unknown topic. */
    public List<String> subscribers(String topic) {
        List<String> s = destinations.subscribersOf(topic);
        return s == null ? List.of() : List.copyOf(s);
    }

    /** Bytes held across all queues. */
    public long queuedBytes() {
        return queuedBytes.get();
    }

    /** How many operations the transport has served since it was built. */
    public Stats stats() {
        return new Stats(ops[0].sum(), ops[1].sum(), ops[2].sum(), ops[3].sum(), ops[4].sum(), ops[5].sum());
    }

    /**
     * Operation counts, for tests and benchmarks. Calls on stale deliveries count too.
     *
     * @param sends messages accepted (a batch counts each message, a topic send counts once)
     * @param receives receive calls
     * @param acks acks (a batched ack counts each delivery)
     * @param retries retry calls
     * @param extensions extend calls
     * @param redrives messages moved to a dead-letter queue
     */
    public record Stats(long sends, long receives, long acks, long retries, long extensions, long redrives) {}

    /**
     * Wakes every blocked receiver (they return empty) and refuses further sends and receives
     * with a {@link TransportException}. Messages stay inspectable with {@link #peek}. Idempotent.
     */
    @Override
    public void close() {
        closed = true;
        destinations.close();
    }

    private void ensureOpen(String destination) {
        if (closed) {
            throw new TransportException(destination, "in-memory transport is closed: build a new one");
        }
    }

    private static String requireName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("destination names must not be blank");
        }
        return name;
    }

    /** Builds an {@link InMemoryTransport}. */
    public static final class Builder {
        private Duration visibilityTimeout = DEFAULT_VISIBILITY_TIMEOUT;
        private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
        private long maxQueuedBytes = DEFAULT_MAX_QUEUED_BYTES;
        private boolean autoCreate = true;
        private LongSupplier ticker = System::nanoTime;
        private final Map<String, QueueOptions> queues = new LinkedHashMap<>();
        private final Map<String, List<String>> topics = new LinkedHashMap<>();

        private Builder() {}

        /** Default visibility timeout of queues (positive); 30 s. */
        public Builder visibilityTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, was " + timeout);
            }
            this.visibilityTimeout = timeout;
            return this;
        }

        /** Default largest message body of queues (positive); 256 KiB. */
        public Builder maxMessageBytes(int bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("bytes must be positive, was " + bytes);
            }
            this.maxMessageBytes = bytes;
            return this;
        }

        /** Bound on the bytes held across all queues (positive); 64 MiB. */
        public Builder maxQueuedBytes(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("bytes must be positive, was " + bytes);
            }
            this.maxQueuedBytes = bytes;
            return this;
        }

        /** Whether a send or receive creates an unknown queue; default true. */
        public Builder autoCreate(boolean autoCreate) {
            this.autoCreate = autoCreate;
            return this;
        }

        /**
         * Where visibility timeouts, delays and retry delays read the time, in nanoseconds; default
         * {@link System#nanoTime}. Tests pass a ticker they advance by hand (for example
         * {@code AtomicLong::get}) to expire visibility without sleeping; receives still wait in
         * real time, so receive with {@link Duration#ZERO} after advancing it.
         */
        public Builder ticker(LongSupplier nanoTicker) {
            this.ticker = Objects.requireNonNull(nanoTicker, "nanoTicker");
            return this;
        }

        /** Declares a queue; declaring it again replaces its options. */
        public Builder queue(String name, QueueOptions options) {
            queues.put(requireName(name), Objects.requireNonNull(options, "options"));
            return this;
        }

        /** Declares a topic and queues subscribed to it (created if not declared). */
        public Builder topic(String name, String... subscribedQueues) {
            Objects.requireNonNull(subscribedQueues, "subscribedQueues");
            List<String> subscribers = topics.computeIfAbsent(requireName(name), k -> new ArrayList<>());
            for (String q : subscribedQueues) {
                subscribers.add(requireName(q));
            }
            return this;
        }

        /**
         * Builds the transport.
         *
         * @throws IllegalArgumentException when a name is both a queue and a topic, or a queue's
         *     dead-letter queue is itself or a topic
         * @throws TransportException when auto-create is off and a dead-letter queue is not declared
         */
        public InMemoryTransport build() {
            for (String topic : topics.keySet()) {
                if (queues.containsKey(topic)) {
                    throw new IllegalArgumentException("'" + topic + "' is declared as both a queue and a topic");
                }
            }
            return new InMemoryTransport(this);
        }
    }
}
