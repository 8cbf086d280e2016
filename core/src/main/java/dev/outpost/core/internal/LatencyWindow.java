package dev.outpost.core.internal;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/** The most recent N durations, recorded without locks; percentiles are computed on a snapshot. */
public final class LatencyWindow {
    private final AtomicLongArray nanos;
    private final AtomicLong count = new AtomicLong();

    public LatencyWindow(int size) {
        this.nanos = new AtomicLongArray(size);
    }

    public void record(long elapsedNanos) {
        long i = count.getAndIncrement();
        nanos.lazySet((int) (i % nanos.length()), elapsedNanos);
    }

    /** {samples, p50, p99, max} in nanoseconds. */
    public long[] snapshot() {
        int n = (int) Math.min(count.get(), nanos.length());
        long[] copy = new long[n];
        for (int i = 0; i < n; i++) {
            copy[i] = nanos.get(i);
        }
        Arrays.sort(copy);
        if (n == 0) {
            return new long[] {0, 0, 0, 0};
        }
        return new long[] {n, copy[(int) ((n - 1) * 0.50)], copy[(int) ((n - 1) * 0.99)], copy[n - 1]};
    }

    public static Duration d(long nanos) {
        return Duration.ofNanos(nanos);
    }
}
