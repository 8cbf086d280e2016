package dev.outpost.sqs.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiFunction;

/**
 * Groups operations on one queue or topic into batch calls, for every kind of batch call alike: a
 * batch goes out when it holds 10 entries, when the next entry would take it over the byte limit,
 * or {@code linger} after its first entry. Every entry's future completes with its own outcome;
 * entries the batch call refused are retried one by one. A batch the server refuses as a whole
 * ({@link BatchRefusal}: too large, too many entries, throttled) is sent again, bounded, in halves or
 * after a pause, before its entries fail.
 */
public final class Batcher<T> {
    private record Item<T>(T value, int bytes, CompletableFuture<Void> done) {}

    private static final class Pending<T> {
        final List<Item<T>> items = new ArrayList<>(10);
        int bytes;
    }

    /**
     * How many times entries refused as a whole are sent again: enough to halve a batch of 10 down to one entry
     * (10, 5, 3, 2, 1), or to wait out throttling for {@code BACK_OFF} times 1 + 2 + 4 + 8.
     */
    static final int MAX_REFUSALS = 4;
    /** The first pause after throttling; doubled at each refusal (the SDK's own retries came before). */
    static final long BACK_OFF_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(200);

    private final int maxEntries;
    private final int maxBytes;
    private final long lingerNanos;
    private final LazyTimer timer;
    private final BatchOperation<T> operation;
    private final BiFunction<String, Throwable, RuntimeException> failure;
    private final Map<String, Pending<T>> pending = new HashMap<>();
    private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();

    /**
     * @param failure turns a call's failure into the exception the entries complete with
     */
    public Batcher(int maxEntries, int maxBytes, Duration linger, LazyTimer timer, BatchOperation<T> operation,
            BiFunction<String, Throwable, RuntimeException> failure) {
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
        this.lingerNanos = linger.toNanos();
        this.timer = timer;
        this.operation = operation;
        this.failure = failure;
    }

    /** Queues {@code value} for {@code target}; completes when the call that carries it succeeded. */
    public CompletableFuture<Void> add(String target, T value, int bytes) {
        Item<T> item = new Item<>(value, bytes, new CompletableFuture<>());
        List<Item<T>> full = null;
        List<Item<T>> sendNow = null;
        Pending<T> schedule = null;
        synchronized (this) {
            Pending<T> p = pending.get(target);
            if (p != null && p.bytes + bytes > maxBytes) {
                full = take(target);
                p = null;
            }
            if (p == null) {
                p = new Pending<>();
                pending.put(target, p);
            }
            p.items.add(item);
            p.bytes += bytes;
            if (p.items.size() >= maxEntries) {
                sendNow = take(target);
            } else if (p.items.size() == 1) {
                schedule = p;
            }
        }
        if (full != null) {
            send(target, full);
        }
        if (sendNow != null) {
            send(target, sendNow);
        } else if (schedule != null) {
            if (lingerNanos <= 0) {
                flush(target);
            } else {
                Pending<T> due = schedule;
                try {
                    // only the batch this timer was set for: a batch that went out full leaves its timer behind,
                    // which must not cut the next batch short
                    timer.schedule(() -> flushIf(target, due), lingerNanos);
                } catch (RuntimeException e) {
                    flush(target); // timer closed: send now rather than lose it
                }
            }
        }
        return item.done();
    }

    /** Sends whatever waits for {@code target}. */
    public void flush(String target) {
        List<Item<T>> batch;
        synchronized (this) {
            batch = take(target);
        }
        if (batch != null && !batch.isEmpty()) {
            send(target, batch);
        }
    }

    private void flushIf(String target, Pending<T> due) {
        List<Item<T>> batch = null;
        synchronized (this) {
            if (pending.get(target) == due) {
                batch = take(target);
            }
        }
        if (batch != null && !batch.isEmpty()) {
            send(target, batch);
        }
    }

    /** Sends everything that waits. */
    public void flushAll() {
        List<String> targets;
        synchronized (this) {
            targets = new ArrayList<>(pending.keySet());
        }
        targets.forEach(this::flush);
    }

    /**
     * Waits (bounded) until every call sent so far has completed, and every entry in them has its outcome (the retry
     * of a refused entry included).
     *
     * @return false when some call had not completed in time
     */
    public boolean awaitInFlight(long timeoutMillis) {
        return Closing.awaitAll(List.copyOf(inFlight), timeoutMillis);
    }

    /** Whether a call sent so far (or the retry of an entry it refused) has not ended. */
    public boolean hasInFlight() {
        return !inFlight.isEmpty();
    }

    private List<Item<T>> take(String target) {
        Pending<T> p = pending.remove(target);
        return p == null ? null : p.items;
    }

    private void send(String target, List<Item<T>> items) {
        // the entries' outcomes, not only the call's: a refused entry's retry begins after the call has ended, where a
        // close that took the calls to wait for before then would not see it
        track(CompletableFuture.allOf(items.stream().map(Item::done).toArray(CompletableFuture[]::new)));
        call(target, items, 0);
    }

    /** One batch call of {@code items}; {@code refusals}: how many times the server refused them as a whole so far. */
    private void call(String target, List<Item<T>> items, int refusals) {
        List<T> entries = new ArrayList<>(items.size());
        for (Item<T> it : items) {
            entries.add(it.value());
        }
        CompletableFuture<List<Integer>> call;
        try {
            call = operation.batch(target, entries);
        } catch (Throwable e) { // the SDK client is the user's: even an Error completes the entries, never strands them
            call = CompletableFuture.failedFuture(e);
        }
        track(call);
        call.whenComplete((failed, e) -> {
            if (e != null) {
                if (!refusedAsAWhole(target, items, refusals, e)) {
                    RuntimeException f = failure.apply(target, e);
                    items.forEach(it -> it.done().completeExceptionally(f));
                }
                return;
            }
            boolean[] retry = new boolean[items.size()];
            for (int i : failed) {
                if (i >= 0 && i < retry.length) {
                    retry[i] = true;
                }
            }
            for (int i = 0; i < items.size(); i++) {
                Item<T> it = items.get(i);
                if (!retry[i]) {
                    it.done().complete(null);
                } else {
                    single(target, it, MAX_REFUSALS); // an entry's own failure: once more alone, not again and again
                }
            }
        });
    }

    /**
     * When the server refused {@code items} as a whole (over its size or entry limit, or throttled), and not too often
     * yet: sends them again, in halves (one alone) or after a pause, and returns true. Bounded: after
     * {@value #MAX_REFUSALS} refusals the entries fail.
     */
    private boolean refusedAsAWhole(String target, List<Item<T>> items, int refusals, Throwable e) {
        BatchRefusal refusal = BatchRefusal.of(e);
        if (refusal == BatchRefusal.NONE || refusals >= MAX_REFUSALS) {
            return false;
        }
        if (refusal == BatchRefusal.THROTTLED) {
            later(BACK_OFF_NANOS << refusals, () -> {
                if (items.size() == 1) {
                    single(target, items.get(0), refusals + 1);
                } else {
                    call(target, items, refusals + 1);
                }
            });
            return true;
        }
        if (items.size() == 1) {
            single(target, items.get(0), refusals + 1);
            return true;
        }
        int half = (items.size() + 1) / 2;
        call(target, List.copyOf(items.subList(0, half)), refusals + 1);
        call(target, List.copyOf(items.subList(half, items.size())), refusals + 1);
        return true;
    }

    /** Sends one entry on its own; a throttled one goes again after a pause while {@code refusals} allows. */
    private void single(String target, Item<T> it, int refusals) {
        CompletableFuture<?> one;
        try {
            one = operation.single(target, it.value());
        } catch (Throwable ex) {
            one = CompletableFuture.failedFuture(ex);
        }
        track(one);
        one.whenComplete((r, e) -> {
            if (e == null) {
                it.done().complete(null);
            } else if (refusals < MAX_REFUSALS && BatchRefusal.of(e) == BatchRefusal.THROTTLED) {
                later(BACK_OFF_NANOS << refusals, () -> single(target, it, refusals + 1));
            } else {
                it.done().completeExceptionally(failure.apply(target, e));
            }
        });
    }

    /** Runs {@code task} after {@code nanos} on the timer; at once when the timer is closed (the transport closing). */
    private void later(long nanos, Runnable task) {
        try {
            timer.schedule(task, nanos);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    }

    private void track(CompletableFuture<?> call) {
        if (!call.isDone()) {
            inFlight.add(call);
            call.whenComplete((r, e) -> inFlight.remove(call));
        }
    }
}
