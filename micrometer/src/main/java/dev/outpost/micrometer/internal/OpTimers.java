package dev.outpost.micrometer.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One timer per (operation, outcome), registered once and then found in a map; and the recording
 * of the wrappers' figures, behind a Throwable boundary: the registry is the application's, and a
 * figure it fails to take must never fail (or repeat) the send, receive or write it measures.
 */
public final class OpTimers {
    private static final Logger log = LoggerFactory.getLogger(OpTimers.class);
    /** A broken registry fails every figure alike: said once at warn, then at debug. */
    private static final AtomicBoolean WARNED = new AtomicBoolean();
    private final MeterRegistry registry;
    private final String name;
    private final String description;
    private final Tags tags;
    private final double[] percentiles;
    private final boolean histogram;
    private final TagLimiter outcomes;
    private final Map<String, Map<String, Timer>> timers = new ConcurrentHashMap<>();

    public OpTimers(MeterRegistry registry, String name, String description, Tags tags, double[] percentiles,
            boolean histogram, int maxOutcomes) {
        this.registry = registry;
        this.name = name;
        this.description = description;
        this.tags = tags;
        this.percentiles = percentiles;
        this.histogram = histogram;
        this.outcomes = new TagLimiter(maxOutcomes);
    }

    /** The timer for {@code op} ending in {@code outcome}. */
    public Timer timer(String op, String outcome) {
        Map<String, Timer> byOutcome = timers.computeIfAbsent(op, o -> new ConcurrentHashMap<>());
        Timer t = byOutcome.get(outcome);
        return t != null ? t : byOutcome.computeIfAbsent(outcome, o -> Timer.builder(name).description(description)
                .tags(tags).tags(Tags.of(Tag.of("operation", op), Tag.of("outcome", outcomes.tag(o))))
                .publishPercentiles(percentiles).publishPercentileHistogram(histogram).register(registry));
    }

    /** Records {@code nanos} for {@code op} ending in {@code outcome}; never throws. */
    public void record(String op, String outcome, long nanos) {
        try {
            timer(op, outcome).record(nanos, TimeUnit.NANOSECONDS);
        } catch (Throwable t) { // the application's registry
            failed(t);
        }
    }

    /** Stops {@code sample} on the timer of {@code op} ending in {@code outcome}; never throws. */
    public void stop(Timer.Sample sample, String op, String outcome) {
        try {
            sample.stop(timer(op, outcome));
        } catch (Throwable t) { // the application's registry
            failed(t);
        }
    }

    /** Records {@code nanos} on {@code timer}; never throws. */
    public static void record(Timer timer, long nanos) {
        try {
            timer.record(nanos, TimeUnit.NANOSECONDS);
        } catch (Throwable t) { // the application's registry
            failed(t);
        }
    }

    /** Adds {@code amount} to {@code counter}; never throws. */
    public static void increment(Counter counter, double amount) {
        try {
            counter.increment(amount);
        } catch (Throwable t) { // the application's registry
            failed(t);
        }
    }

    private static void failed(Throwable t) {
        if (WARNED.compareAndSet(false, true)) {
            log.warn("the meter registry failed to take a figure; the call it measured went on (further failures at debug)", t);
        } else {
            log.debug("the meter registry failed to take a figure", t);
        }
    }

    /** The outcome tag of a failure: the exception's simple class name, in kebab case. */
    public static String outcomeOf(Throwable t) {
        Throwable cause = t;
        while ((cause instanceof java.util.concurrent.CompletionException
                || cause instanceof java.util.concurrent.ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        String simple = cause.getClass().getSimpleName();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < simple.length(); i++) {
            char c = simple.charAt(i);
            if (Character.isUpperCase(c) && i > 0) {
                out.append('-');
            }
            out.append(Character.toLowerCase(c));
        }
        return out.toString();
    }
}
