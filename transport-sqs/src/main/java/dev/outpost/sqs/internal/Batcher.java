package dev.outpost.sqs.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Groups operations on one queue into batch calls: a batch goes out when it holds 10 entries, when
 * the next entry would take it over the byte limit, or {@code linger} after its first entry.
 * The flusher completes every entry's future (and retries failed entries one by one).
 */
public final class Batcher<T> {
    /** One queued operation. */
    public record Item<T>(T value, int bytes, CompletableFuture<Void> done) {}

    private final int maxEntries;
    private final int maxBytes;
    private final long lingerNanos;
    private final ScheduledExecutorService timer;
    private final BiConsumer<String, List<Item<T>>> flusher;
    private final Map<String, Pending<T>> pending = new HashMap<>();

    private static final class Pending<T> {
        final List<Item<T>> items = new ArrayList<>(10);
        int bytes;
    }

    public Batcher(int maxEntries, int maxBytes, Duration linger, ScheduledExecutorService timer,
            BiConsumer<String, List<Item<T>>> flusher) {
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
        this.lingerNanos = linger.toNanos();
        this.timer = timer;
        this.flusher = flusher;
    }

    public CompletableFuture<Void> add(String queueUrl, T value, int bytes) {
        Item<T> item = new Item<>(value, bytes, new CompletableFuture<>());
        List<Item<T>> full = null;
        List<Item<T>> sendNow = null;
        boolean schedule = false;
        synchronized (this) {
            Pending<T> p = pending.computeIfAbsent(queueUrl, k -> new Pending<>());
            if (!p.items.isEmpty() && p.bytes + bytes > maxBytes) {
                full = take(queueUrl);
                p = pending.computeIfAbsent(queueUrl, k -> new Pending<>());
            }
            p.items.add(item);
            p.bytes += bytes;
            if (p.items.size() >= maxEntries) {
                sendNow = take(queueUrl);
            } else if (p.items.size() == 1) {
                schedule = true;
            }
        }
        if (full != null) {
            flusher.accept(queueUrl, full);
        }
        if (sendNow != null) {
            flusher.accept(queueUrl, sendNow);
        } else if (schedule) {
            if (lingerNanos <= 0) {
                flush(queueUrl);
            } else {
                try {
                    timer.schedule(() -> flush(queueUrl), lingerNanos, TimeUnit.NANOSECONDS);
                } catch (RuntimeException e) {
                    flush(queueUrl); // timer closed: send now rather than lose it
                }
            }
        }
        return item.done();
    }

    /** Sends whatever waits for {@code queueUrl}. */
    public void flush(String queueUrl) {
        List<Item<T>> batch;
        synchronized (this) {
            batch = take(queueUrl);
        }
        if (batch != null && !batch.isEmpty()) {
            flusher.accept(queueUrl, batch);
        }
    }

    /** Sends everything that waits. */
    public void flushAll() {
        List<String> urls;
        synchronized (this) {
            urls = new ArrayList<>(pending.keySet());
        }
        urls.forEach(this::flush);
    }

    private List<Item<T>> take(String queueUrl) {
        Pending<T> p = pending.remove(queueUrl);
        return p == null ? null : p.items;
    }
}
