package dev.outpost.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A clock and a nanosecond ticker that move only when a test says so, for components that take a
 * {@code clock(Clock)} and a {@code ticker(LongSupplier)}: the worker, the client, the scheduler,
 * the in-memory transport, the sealed codec.
 *
 * <pre>{@code
 * TestClock time = TestClock.create();
 * Scheduler s = Scheduler.builder(transport).clock(time).ticker(time.ticker())...;
 * time.advance(Duration.ofSeconds(5));   // the next run is due
 * }</pre>
 *
 * <p>Thread-safe. The wall clock and the ticker advance together.
 */
public final class TestClock extends Clock {
    private final AtomicLong nanos;
    private final Instant origin;
    private final ZoneId zone;

    private TestClock(AtomicLong nanos, Instant origin, ZoneId zone) {
        this.nanos = nanos;
        this.origin = origin;
        this.zone = zone;
    }

    /** A clock at 2026-01-01T00:00:00Z whose ticker reads 0. */
    public static TestClock create() {
        return at(Instant.parse("2026-01-01T00:00:00Z"));
    }

    /** A clock at {@code start} whose ticker reads 0. */
    public static TestClock at(Instant start) {
        return new TestClock(new AtomicLong(), start, ZoneOffset.UTC);
    }

    /** Moves time forward by {@code d}. */
    public void advance(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("time only moves forward, was " + d);
        }
        nanos.addAndGet(d.toNanos());
    }

    /** Nanoseconds elapsed, as {@link System#nanoTime} would report them. */
    public LongSupplier ticker() {
        return nanos::get;
    }

    @Override
    public Instant instant() {
        return origin.plusNanos(nanos.get());
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    @Override
    public Clock withZone(ZoneId z) {
        return new TestClock(nanos, origin, z);
    }
}
