package dev.outpost.micrometer;

import dev.outpost.core.Scheduler;
import dev.outpost.micrometer.internal.TagLimiter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import java.util.List;
import java.util.Objects;
import java.util.function.ToLongFunction;

/**
 * A {@link Scheduler}'s figures as Micrometer meters, one set per job, tagged {@code collector} and
 * {@code destination}: {@code outpost.scheduler.runs}, {@code outpost.scheduler.failures} and
 * {@code outpost.scheduler.skipped} (runs skipped because the previous one had not finished).
 */
public final class SchedulerMetrics {
    private SchedulerMetrics() {}

    /** Registers a counter set for every job {@code scheduler} has. */
    public static void monitor(MeterRegistry registry, Scheduler scheduler, MeterSettings settings) {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(scheduler, "scheduler");
        TagLimiter limiter = new TagLimiter(settings.maxTagValues());
        List<Scheduler.JobStatus> jobs = scheduler.status();
        for (int i = 0; i < jobs.size(); i++) {
            int index = i;
            List<Tag> tags = List.of(Tag.of("collector", limiter.tag(jobs.get(i).collector())),
                    Tag.of("destination", limiter.tag(jobs.get(i).destination())));
            counter(registry, settings, scheduler, "outpost.scheduler.runs", "runs", tags, s -> job(s, index).runs());
            counter(registry, settings, scheduler, "outpost.scheduler.failures", "runs that failed", tags,
                    s -> job(s, index).failures());
            counter(registry, settings, scheduler, "outpost.scheduler.skipped", "runs skipped while the last one ran", tags,
                    s -> job(s, index).skipped());
        }
    }

    /** {@link #monitor(MeterRegistry, Scheduler, MeterSettings)} with the default settings. */
    public static void monitor(MeterRegistry registry, Scheduler scheduler) {
        monitor(registry, scheduler, MeterSettings.DEFAULTS);
    }

    private static Scheduler.JobStatus job(Scheduler s, int index) {
        return s.status().get(index);
    }

    private static void counter(MeterRegistry registry, MeterSettings settings, Scheduler scheduler, String name,
            String description, List<Tag> tags, ToLongFunction<Scheduler> f) {
        FunctionCounter.builder(name, scheduler, s -> f.applyAsLong(s)).description(description)
                .tags(settings.commonTags()).tags(tags).register(registry);
    }
}
