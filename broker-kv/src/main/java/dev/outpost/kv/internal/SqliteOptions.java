package dev.outpost.kv.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.function.LongSupplier;

/** What a built {@code SqliteRegistry} opens its file with: the builder's values, checked. */
public record SqliteOptions(Clock clock, LongSupplier ticker, int maxValueBytes, int maxBatch, int queueCapacity,
        Duration expirySweep, Duration tombstoneRetention, int readers, int watchBuffer) {}
