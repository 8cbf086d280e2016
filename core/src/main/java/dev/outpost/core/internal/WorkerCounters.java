package dev.outpost.core.internal;

import dev.outpost.core.WorkerStatus;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** What a worker has done since it started: totals, per-collector figures, latencies. */
final class WorkerCounters {
    final LongAdder received = new LongAdder();
    final LongAdder succeeded = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder retried = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder deadLettered = new LongAdder();
    final LongAdder duplicates = new LongAdder();
    final LongAdder timedOut = new LongAdder();
    final LongAdder handedBack = new LongAdder();
    final LongAdder transportErrors = new LongAdder();
    final LongAdder internalErrors = new LongAdder();
    private final LatencyWindow latency = new LatencyWindow(4096);
    private final Map<String, CollectorStats> perCollector = new ConcurrentHashMap<>();

    void recordRun(String collector, long nanos, boolean failure) {
        perCollector.computeIfAbsent(collector, k -> new CollectorStats()).record(nanos, failure);
        latency.record(nanos);
    }

    /** How long {@code collector}'s last run took; -1 before its first. */
    long lastRunNanos(String collector) {
        CollectorStats c = perCollector.get(collector);
        return c == null ? -1 : c.lastNanos;
    }

    WorkerStatus.Counters snapshot(long receiveFailures, long listenerErrors) {
        return new WorkerStatus.Counters(received.sum(), succeeded.sum(), failed.sum(), retried.sum(), rejected.sum(),
                deadLettered.sum(), duplicates.sum(), timedOut.sum(), handedBack.sum(), transportErrors.sum() + receiveFailures,
                internalErrors.sum(), listenerErrors);
    }

    WorkerStatus.Latency latency() {
        long[] l = latency.snapshot();
        return new WorkerStatus.Latency((int) l[0], millis(l[1]), millis(l[2]), millis(l[3]));
    }

    Map<String, WorkerStatus.CollectorCounters> collectors() {
        Map<String, WorkerStatus.CollectorCounters> out = new TreeMap<>();
        perCollector.forEach((k, v) -> out.put(k, v.snapshot()));
        return out;
    }

    static double millis(long nanos) {
        return Math.round(nanos / 1_000.0) / 1_000.0;
    }

    private static final class CollectorStats {
        final LongAdder runs = new LongAdder();
        final LongAdder failures = new LongAdder();
        final LongAdder nanos = new LongAdder();
        volatile long lastNanos;

        void record(long elapsed, boolean failure) {
            runs.increment();
            nanos.add(elapsed);
            lastNanos = elapsed;
            if (failure) {
                failures.increment();
            }
        }

        WorkerStatus.CollectorCounters snapshot() {
            return new WorkerStatus.CollectorCounters(runs.sum(), failures.sum(), millis(nanos.sum()));
        }
    }
}
