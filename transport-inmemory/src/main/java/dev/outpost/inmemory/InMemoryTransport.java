package dev.outpost.inmemory;

import dev.outpost.inmemory.internal.MemoryQueue;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.MessageTooLargeException;
import dev.outpost.spi.Transport;
import dev.outpost.spi.TransportException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A {@link Transport} with SQS semantics inside one JVM: for tests, demos, and applications whose
 * clients and workers share a process.
 *
 * <ul>
 *   <li>A received message stays invisible for the queue's visibility timeout, then comes back
 *       with its receive count increased; {@code retry} and {@code extend} move that deadline.
 *   <li>A queue with a redrive policy moves a message to its dead-letter queue once it was received
 *       more than {@code maxReceiveCount} times.
 *   <li>A send to a topic puts a copy in every subscribed queue; a topic with no subscribers drops
 *       the message, as SNS does.
 *   <li>Receives long-poll: they return as soon as one message is there, or empty after the wait.
 *   <li>Ack, retry and extend of a stale delivery (its visibility ran out and the message was
 *       received again, or it was already acked) do nothing, so that a slow worker cannot delete
 *       a message another worker now holds.
 *   <li>Messages over {@code maxMessageBytes} are refused with {@link MessageTooLargeException};
 *       sends that would take the queued bytes over {@code maxQueuedBytes} with
 *       {@link TransportFullException}.
 * </ul>
 *
 * <p>Queues are created on first use unless {@link Builder#autoCreate(boolean)} is off. Thread-safe:
 * each queue has its own lock; nothing runs in the background.
 */
public final class InMemoryTransport implements Transport {
    /** Default visibility timeout, as SQS's. */
    public static final Duration DEFAULT_VISIBILITY_TIMEOUT = Duration.ofSeconds(30);
    /** Default largest message, as SQS's (256 KiB). */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024;
    /** Default bound on bytes held across all queues. */
    public static final long DEFAULT_MAX_QUEUED_BYTES = 64L * 1024 * 1024;

    private final Duration visibilityTimeout;
    private final int maxMessageBytes;
    private final long maxQueuedBytes;
    private final boolean autoCreate;
    private final Map<String, MemoryQueue> queues = new ConcurrentHashMap<>();
    private final Map<String, List<String>> topics = new ConcurrentHashMap<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final LongAdder[] ops = {new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder()};
    private final MemoryQueue.Accounting accounting = new MemoryQueue.Accounting() {
        @Override
        public void released(long bytes) {
            queuedBytes.addAndGet(-bytes);
        }

        @Override
        public void redrive(String deadLetterQueue, Message message) {
            long size = message.size();
            queuedBytes.addAndGet(size); // a move, not a new send: the bound is not applied
            queue(deadLetterQueue, true).add(List.of(message));
        }

        @Override
        public void count(int op) {
            ops[op].increment();
        }
    };
    private volatile boolean closed;

    private InMemoryTransport(Builder b) {
        this.visibilityTimeout = b.visibilityTimeout;
        this.maxMessageBytes = b.maxMessageBytes;
        this.maxQueuedBytes = b.maxQueuedBytes;
        this.autoCreate = b.autoCreate;
        b.queues.forEach(this::queue);
        b.topics.forEach((topic, subscribers) -> {
            topic(topic);
            subscribers.forEach(q -> subscribe(topic, q));
        });
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
     * Creates (or reconfigures, if still empty) a queue.
     *
     * @throws IllegalArgumentException when {@code name} is a topic
     */
    public void queue(String name, QueueOptions options) {
        requireName(name);
        Objects.requireNonNull(options, "options");
        if (topics.containsKey(name)) {
            throw new IllegalArgumentException("'" + name + "' is a topic, not a queue");
        }
        queues.compute(name, (k, existing) -> {
            if (existing != null && !existing.peek().isEmpty()) {
                throw new IllegalStateException("queue '" + name + "' holds messages; configure it before use");
            }
            return new MemoryQueue(name, options.visibilityTimeout().orElse(visibilityTimeout), options.delay(),
                    options.maxReceiveCount().orElse(0), options.deadLetterQueue().orElse(null), accounting);
        });
    }

    /** Creates a topic (idempotent). */
    public void topic(String name) {
        requireName(name);
        if (queues.containsKey(name)) {
            throw new IllegalArgumentException("'" + name + "' is a queue, not a topic");
        }
        topics.computeIfAbsent(name, k -> new CopyOnWriteArrayList<>());
    }

    /** Subscribes {@code queue} to {@code topic} (idempotent); creates the queue if needed. */
    public void subscribe(String topic, String queue) {
        List<String> subscribers = topics.get(requireName(topic));
        if (subscribers == null) {
            throw new TransportException(topic, "no topic named '" + topic + "': create it with topic(name) first");
        }
        queue(queue, true);
        if (!subscribers.contains(queue)) {
            subscribers.add(queue);
        }
    }

    @Override
    public CompletableFuture<Void> send(String destination, Message message) {
        return sendBatch(destination, List.of(message));
    }

    @Override
    public CompletableFuture<Void> sendBatch(String destination, List<Message> messages) {
        try {
            requireName(destination);
            Objects.requireNonNull(messages, "messages");
            ensureOpen(destination);
            long total = 0;
            for (Message m : messages) {
                if (m.size() > maxMessageBytes) {
                    throw new MessageTooLargeException(destination, m.size(), maxMessageBytes);
                }
                total += m.size();
            }
            List<String> subscribers = topics.get(destination);
            List<MemoryQueue> targets = new ArrayList<>(1);
            if (subscribers != null) {
                for (String q : subscribers) {
                    targets.add(queue(q, true));
                }
            } else {
                targets.add(queue(destination, autoCreate));
            }
            long needed = total * targets.size();
            long after = queuedBytes.addAndGet(needed);
            if (after > maxQueuedBytes) {
                queuedBytes.addAndGet(-needed);
                throw new TransportFullException(destination, needed, after - needed, maxQueuedBytes);
            }
            for (MemoryQueue q : targets) {
                q.add(messages);
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
     * @throws IllegalArgumentException when {@code maxMessages} is not 1 to 10 (as SQS)
     * @throws TransportException when the source is a topic, unknown (with auto-create off), or the transport is closed
     */
    @Override
    public List<Delivery> receive(String source, int maxMessages, Duration wait) throws InterruptedException {
        requireName(source);
        if (maxMessages < 1 || maxMessages > 10) {
            throw new IllegalArgumentException("maxMessages must be 1 to 10, was " + maxMessages);
        }
        Objects.requireNonNull(wait, "wait");
        ensureOpen(source);
        if (topics.containsKey(source)) {
            throw new TransportException(source, "'" + source + "' is a topic: receive from a queue subscribed to it");
        }
        ops[MemoryQueue.Ops.RECEIVE].increment();
        return queue(source, autoCreate).receive(maxMessages, wait.isNegative() ? Duration.ZERO : wait);
    }

    @Override
    public OptionalLong depth(String source) {
        MemoryQueue q = queues.get(source);
        return q == null ? OptionalLong.of(0) : OptionalLong.of(q.depth());
    }

    @Override
    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    /** Messages received and neither acked nor back in the queue yet. */
    public int inFlight(String queue) {
        MemoryQueue q = queues.get(queue);
        return q == null ? 0 : q.inFlight();
    }

    /**
     * Every message in {@code queue} — visible, in flight or delayed — oldest first, without
     * consuming them. Empty for an unknown queue.
     */
    public List<Message> peek(String queue) {
        MemoryQueue q = queues.get(queue);
        return q == null ? List.of() : q.peek();
    }

    /** Deletes every message in {@code queue}. */
    public void purge(String queue) {
        MemoryQueue q = queues.get(queue);
        if (q != null) {
            q.purge();
        }
    }

    /** The names of the queues that exist. */
    public Set<String> queues() {
        return new TreeSet<>(queues.keySet());
    }

    /** Bytes held across all queues. */
    public long queuedBytes() {
        return queuedBytes.get();
    }

    /** How many operations the transport has served. */
    public Stats stats() {
        return new Stats(ops[0].sum(), ops[1].sum(), ops[2].sum(), ops[3].sum(), ops[4].sum());
    }

    /**
     * Operation counts.
     *
     * @param sends messages sent (a batch counts each message)
     * @param receives receive calls
     * @param acks ack calls
     * @param retries retry calls
     * @param extensions extend calls
     */
    public record Stats(long sends, long receives, long acks, long retries, long extensions) {}

    /** Wakes every blocked receiver (they return empty) and refuses further use. Idempotent. */
    @Override
    public void close() {
        closed = true;
        queues.values().forEach(MemoryQueue::close);
    }

    private MemoryQueue queue(String name, boolean create) {
        MemoryQueue q = queues.get(name);
        if (q != null) {
            return q;
        }
        if (!create) {
            throw new TransportException(name, "no queue named '" + name + "' (auto-create is off): declare it with queue(name, options)");
        }
        return queues.computeIfAbsent(name, k -> new MemoryQueue(k, visibilityTimeout, Duration.ZERO, 0, null, accounting));
    }

    private void ensureOpen(String destination) {
        if (closed) {
            throw new TransportException(destination, "in-memory transport is closed");
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
        private final Map<String, QueueOptions> queues = new HashMap<>();
        private final Map<String, List<String>> topics = new HashMap<>();

        private Builder() {}

        /** Default visibility timeout of queues; 30 s. */
        public Builder visibilityTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, was " + timeout);
            }
            this.visibilityTimeout = timeout;
            return this;
        }

        /** Largest message body; 256 KiB. */
        public Builder maxMessageBytes(int bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("bytes must be positive, was " + bytes);
            }
            this.maxMessageBytes = bytes;
            return this;
        }

        /** Bound on the bytes held across all queues; 64 MiB. */
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

        /** Declares a queue. */
        public Builder queue(String name, QueueOptions options) {
            queues.put(requireName(name), Objects.requireNonNull(options, "options"));
            return this;
        }

        /** Declares a topic and its subscribed queues. */
        public Builder topic(String name, String... subscribedQueues) {
            topics.computeIfAbsent(requireName(name), k -> new ArrayList<>()).addAll(List.of(subscribedQueues));
            return this;
        }

        /** Builds the transport. */
        public InMemoryTransport build() {
            for (Map.Entry<String, QueueOptions> e : queues.entrySet()) {
                Optional<String> dlq = e.getValue().deadLetterQueue();
                if (dlq.isPresent() && dlq.get().equals(e.getKey())) {
                    throw new IllegalArgumentException("queue '" + e.getKey() + "' cannot be its own dead-letter queue");
                }
            }
            return new InMemoryTransport(this);
        }
    }
}
