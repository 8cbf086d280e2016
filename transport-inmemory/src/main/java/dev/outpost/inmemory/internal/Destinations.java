package dev.outpost.inmemory.internal;

import dev.outpost.inmemory.QueueOptions;
import dev.outpost.spi.NoSuchDestinationException;
import dev.outpost.spi.TransportException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;

/**
 * The in-memory transport's queues and topics by name: declaring, creating on first use,
 * subscribing. A name is either a queue or a topic, never both; changes are serialised, lookups
 * are lock-free.
 */
public final class Destinations {
    private final Map<String, MemoryQueue> queues = new ConcurrentHashMap<>();
    private final Map<String, List<String>> topics = new ConcurrentHashMap<>();
    private final Object admin = new Object();
    private final Duration visibilityTimeout;
    private final int maxMessageBytes;
    private final boolean autoCreate;
    private final LongSupplier ticker;
    private final MemoryQueue.Accounting accounting;
    private volatile boolean closed;

    public Destinations(Duration visibilityTimeout, int maxMessageBytes, boolean autoCreate, LongSupplier ticker,
            MemoryQueue.Accounting accounting) {
        this.visibilityTimeout = visibilityTimeout;
        this.maxMessageBytes = maxMessageBytes;
        this.autoCreate = autoCreate;
        this.ticker = ticker;
        this.accounting = accounting;
    }

    public boolean autoCreate() {
        return autoCreate;
    }

    /** Declares every queue first, so that dead-letter queues can be declared in any order, then checks them. */
    public void declareAll(Map<String, QueueOptions> declared, Map<String, List<String>> declaredTopics) {
        declared.forEach((name, options) -> queues.put(name, new MemoryQueue(name, settings(options), ticker, accounting)));
        declaredTopics.forEach((topic, subscribers) -> {
            topic(topic);
            subscribers.forEach(q -> subscribe(topic, q));
        });
        declared.forEach(this::checkDeadLetterQueue);
    }

    /** Declares or reconfigures a queue. */
    public void queue(String name, QueueOptions options) {
        synchronized (admin) {
            if (topics.containsKey(name)) {
                throw new IllegalArgumentException("'" + name + "' is a topic, not a queue: choose another name");
            }
            checkDeadLetterQueue(name, options);
            MemoryQueue.Settings settings = settings(options);
            MemoryQueue existing = queues.get(name);
            if (existing != null) {
                existing.configure(settings);
            } else {
                queues.put(name, new MemoryQueue(name, settings, ticker, accounting));
            }
        }
    }

    private void checkDeadLetterQueue(String name, QueueOptions options) {
        options.deadLetterQueue().ifPresent(dlq -> {
            if (dlq.equals(name)) {
                throw new IllegalArgumentException("queue '" + name + "' cannot be its own dead-letter queue");
            }
            if (topics.containsKey(dlq)) {
                throw new IllegalArgumentException("dead-letter queue '" + dlq + "' of '" + name + "' is a topic: name a queue");
            }
            if (!autoCreate && !queues.containsKey(dlq)) {
                throw new TransportException(dlq, "dead-letter queue '" + dlq + "' of '" + name
                        + "' does not exist (auto-create is off): declare it with queue(name, options) first");
            }
        });
    }

    private MemoryQueue.Settings settings(QueueOptions o) {
        return new MemoryQueue.Settings(o.visibilityTimeout().orElse(visibilityTimeout), o.delay(),
                o.maxReceiveCount().orElse(0), o.deadLetterQueue().orElse(null), o.maxMessageBytes().orElse(maxMessageBytes));
    }

    /** Creates a topic (idempotent). */
    public void topic(String name) {
        synchronized (admin) {
            if (queues.containsKey(name)) {
                throw new IllegalArgumentException("'" + name + "' is a queue, not a topic: choose another name");
            }
            topics.computeIfAbsent(name, k -> new CopyOnWriteArrayList<>());
        }
    }

    /** Subscribes {@code queue} to {@code topic} (idempotent), creating the queue. */
    public void subscribe(String topic, String queue) {
        synchronized (admin) {
            List<String> subscribers = topics.get(topic);
            if (subscribers == null) {
                throw new TransportException(topic, "no topic named '" + topic + "': create it with topic(name) first");
            }
            if (topics.containsKey(queue)) {
                throw new IllegalArgumentException("'" + queue + "' is a topic: only queues subscribe to topics");
            }
            queue(queue, true);
            if (!subscribers.contains(queue)) {
                subscribers.add(queue);
            }
        }
    }

    /** The queue named {@code name}, created when {@code create}. */
    public MemoryQueue queue(String name, boolean create) {
        MemoryQueue q = queues.get(name);
        if (q != null) {
            return q;
        }
        if (!create) {
            throw new NoSuchDestinationException(name, "no queue named '" + name
                    + "' (auto-create is off): declare it with queue(name, options)");
        }
        synchronized (admin) {
            if (topics.containsKey(name)) {
                throw new TransportException(name, "'" + name + "' is a topic, not a queue");
            }
            return queues.computeIfAbsent(name, k -> {
                MemoryQueue created = new MemoryQueue(k, settings(QueueOptions.defaults()), ticker, accounting);
                if (closed) {
                    created.close();
                }
                return created;
            });
        }
    }

    /** The queue, or null when it does not exist. */
    public MemoryQueue existing(String name) {
        return queues.get(name);
    }

    /** The queues subscribed to {@code topic}, or null when it is not a topic. */
    public List<String> subscribersOf(String topic) {
        return topics.get(topic);
    }

    public boolean isTopic(String name) {
        return topics.containsKey(name);
    }

    public boolean exists(String name) {
        return queues.containsKey(name) || topics.containsKey(name);
    }

    public Set<String> queueNames() {
        return new TreeSet<>(queues.keySet());
    }

    public void close() {
        closed = true;
        queues.values().forEach(MemoryQueue::close);
    }
}
