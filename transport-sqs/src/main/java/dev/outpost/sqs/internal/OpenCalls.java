package dev.outpost.sqs.internal;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * SQS calls a closing transport waits for (long polls still open on the server, releases of what
 * abandoned ones picked, moves of unreadable messages to the dead-letter queue), each with when it
 * is due: a close waits for each no longer than that.
 */
final class OpenCalls {
    private final Map<CompletableFuture<?>, Long> open;

    OpenCalls() {
        this(new ConcurrentHashMap<>());
    }

    /** Over {@code open}, which the caller may watch (tests). */
    OpenCalls(Map<CompletableFuture<?>, Long> open) {
        this.open = open;
    }

    /** Waited for until it completes, or until {@code due} ({@link System#nanoTime()}). */
    void track(CompletableFuture<?> call, long due) {
        open.put(call, due);
        call.whenComplete((r, e) -> open.remove(call));
    }

    boolean isEmpty() {
        return open.isEmpty();
    }

    /**
     * Waits until every call tracked has ended: at most {@code timeoutNanos}, and no longer than the
     * last of them is due. Returns how many were still open when it stopped waiting (0: all ended).
     */
    long awaitAll(long timeoutNanos) throws InterruptedException {
        long cap = System.nanoTime() + timeoutNanos;
        while (true) {
            // one snapshot per pass: calls end (and leave the map) at any moment, and anyOf() of nothing never completes
            List<Map.Entry<CompletableFuture<?>, Long>> pending = Map.copyOf(open).entrySet().stream()
                    .filter(e -> !e.getKey().isDone()).toList();
            if (pending.isEmpty()) {
                return 0;
            }
            long deadline = System.nanoTime(); // the latest due, then no later than the cap
            for (Map.Entry<CompletableFuture<?>, Long> e : pending) {
                deadline = e.getValue() - deadline > 0 ? e.getValue() : deadline;
            }
            deadline = deadline - cap > 0 ? cap : deadline;
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return pending.size();
            }
            try {
                CompletableFuture.anyOf(pending.stream().map(Map.Entry::getKey).toArray(CompletableFuture[]::new))
                        .get(left, TimeUnit.NANOSECONDS);
            } catch (ExecutionException | TimeoutException e) {
                // loop: the set shrinks as calls end
            }
        }
    }
}
