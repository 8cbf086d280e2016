package dev.outpost.micrometer.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** One timer per (operation, outcome), registered once and then found in a map. */
public final class OpTimers {
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
