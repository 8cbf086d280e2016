package dev.outpost.micrometer;

import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.Arrays;
import java.util.Objects;

/**
 * What every Outpost meter binder shares: tags added to every meter, the percentiles its timers
 * publish, whether they publish a histogram for server-side percentiles, and the most distinct
 * values one tag (a collector name, a reason, an operation) may take before the rest are reported
 * as {@code other}.
 *
 * @param commonTags added to every meter
 * @param percentiles client-side percentiles published by timers (each in (0, 1))
 * @param percentileHistogram whether timers publish histogram buckets (Prometheus users want this)
 * @param maxTagValues the most distinct values of one tag
 */
public record MeterSettings(Tags commonTags, double[] percentiles, boolean percentileHistogram, int maxTagValues) {
    /** Defaults: no common tags, p50, p95 and p99, no histogram, 100 values per tag. */
    public static final MeterSettings DEFAULTS = new MeterSettings(Tags.empty(), new double[] {0.5, 0.95, 0.99}, false, 100);

    /**
     * For a Prometheus registry (what the {@code outpost} daemons use): histogram buckets, from which
     * Prometheus computes percentiles across hosts, and no client-side percentiles, which cost more
     * per recording and cannot be aggregated.
     */
    public static final MeterSettings PROMETHEUS = new MeterSettings(Tags.empty(), new double[0], true, 100);

    /** Validates and copies. */
    public MeterSettings {
        Objects.requireNonNull(commonTags, "commonTags");
        percentiles = percentiles.clone();
        for (double p : percentiles) {
            if (!(p > 0 && p < 1)) {
                throw new IllegalArgumentException("percentiles are in (0, 1), was " + p);
            }
        }
        if (maxTagValues < 1) {
            throw new IllegalArgumentException("maxTagValues must be at least 1, was " + maxTagValues);
        }
    }

    /** A copy of the percentiles. */
    @Override
    public double[] percentiles() {
        return percentiles.clone();
    }

    /** These settings with {@code tags} added to the common tags. */
    public MeterSettings withTags(String... keysAndValues) {
        return new MeterSettings(commonTags.and(keysAndValues), percentiles, percentileHistogram, maxTagValues);
    }

    /** These settings with other percentiles. */
    public MeterSettings withPercentiles(double... newPercentiles) {
        return new MeterSettings(commonTags, newPercentiles, percentileHistogram, maxTagValues);
    }

    /** These settings with histogram buckets on or off. */
    public MeterSettings withPercentileHistogram(boolean enabled) {
        return new MeterSettings(commonTags, percentiles, enabled, maxTagValues);
    }

    /** These settings with another cardinality bound. */
    public MeterSettings withMaxTagValues(int max) {
        return new MeterSettings(commonTags, percentiles, percentileHistogram, max);
    }

    Tags tags(Tag... more) {
        return commonTags.and(Arrays.asList(more));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MeterSettings m && commonTags.equals(m.commonTags) && Arrays.equals(percentiles, m.percentiles)
                && percentileHistogram == m.percentileHistogram && maxTagValues == m.maxTagValues;
    }

    @Override
    public int hashCode() {
        return Objects.hash(commonTags, Arrays.hashCode(percentiles), percentileHistogram, maxTagValues);
    }

    @Override
    public String toString() {
        return "MeterSettings[tags=" + commonTags + ", percentiles=" + Arrays.toString(percentiles) + ", histogram="
                + percentileHistogram + ", maxTagValues=" + maxTagValues + "]";
    }
}
