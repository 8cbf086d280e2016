package dev.outpost.kv.internal;

import dev.outpost.core.lifecycle.Guard;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import dev.outpost.spi.RegistryWatcher;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches by polling: lists each watched prefix when the store revision moved (or every
 * {@code fullEvery} polls) and reports the difference with the previous listing. One thread,
 * started with the first watch; watchers are called on it.
 */
public final class PollingWatches implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PollingWatches.class);

    private final String name;
    private final ThreadFactory threads;
    private final Guard calls;
    private final Duration interval;
    private final int fullEvery;
    private final LongSupplier revision;
    private final Function<String, List<RegistryEntry>> lister;
    /** When a deletion is reported to have happened: the registry's clock, as its writes are stamped. */
    private final java.time.Clock clock;
    private final List<Watch> watches = new CopyOnWriteArrayList<>();
    private ScheduledExecutorService timer;
    private ScheduledFuture<?> task;
    private long lastRevision = Long.MIN_VALUE;
    private long polls;
    /** When the polls began failing ({@link System#nanoTime()}), and how many have failed since; the poll thread's. */
    private long outageStart;
    private long failedPolls;
    private volatile boolean closed;

    /**
     * Polls every {@code interval} on one thread from {@code threads}, made with the first watch;
     * {@code revision} may throw, then every poll lists.
     */
    public PollingWatches(String name, ThreadFactory threads, Guard calls, Duration interval, int fullEvery,
            LongSupplier revision, Function<String, List<RegistryEntry>> lister) {
        this(name, threads, calls, interval, fullEvery, revision, lister, java.time.Clock.systemUTC());
    }

    /** As above, deletions stamped by {@code clock} (the registry's). */
    public PollingWatches(String name, ThreadFactory threads, Guard calls, Duration interval, int fullEvery,
            LongSupplier revision, Function<String, List<RegistryEntry>> lister, java.time.Clock clock) {
        this.clock = clock;
        this.name = name;
        this.threads = threads;
        this.calls = calls;
        this.interval = interval;
        this.fullEvery = fullEvery;
        this.revision = revision;
        this.lister = lister;
    }

    /** Adds a watch; its first listing is taken now, so it reports changes from now on. */
    public synchronized AutoCloseable add(String prefix, RegistryWatcher watcher) {
        if (closed) {
            // the registry's own check passed before a close(): the same typed refusal as after it
            throw new RegistryException.Closed(name);
        }
        Watch w = new Watch(prefix, watcher);
        for (RegistryEntry e : lister.apply(prefix)) {
            w.known.put(e.key(), e);
        }
        if (timer == null) {
            // its thread first: a factory that throws or returns null left a timer no thread ran, taken for
            // good (no later watch was polled either) with no task for close() to cancel
            // saturated: toMillis of a longer interval threw 'long overflow', after the thread below had started
            long ms = interval.compareTo(Duration.ofMillis(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : interval.toMillis();
            ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, threads);
            try {
                if (!t.prestartCoreThread()) {
                    throw new IllegalStateException(name + ": the thread factory made no watch thread");
                }
            } catch (RuntimeException | Error e) {
                t.shutdownNow();
                throw e;
            }
            task = t.scheduleWithFixedDelay(this::poll, ms, ms, TimeUnit.MILLISECONDS);
            timer = t;
        }
        watches.add(w);
        return () -> watches.remove(w);
    }

    private void poll() {
        try {
            if (watches.isEmpty()) {
                return;
            }
            polls++;
            boolean full = polls % fullEvery == 0;
            Long moved = null;
            if (!full) {
                try {
                    long r = revision.getAsLong();
                    if (r == lastRevision) {
                        pollWorked();
                        return;
                    }
                    moved = r;
                } catch (RuntimeException e) {
                    // no revision: list anyway
                }
            }
            for (Watch w : watches) {
                w.refresh(lister.apply(w.prefix));
            }
            // only once every watch has listed it: a failed listing is tried again next poll, not at the full one
            if (moved != null) {
                lastRevision = moved;
            }
            pollWorked();
        } catch (Throwable t) {
            pollFailed(t);
        }
    }

    /**
     * Once per outage, not per poll (one every interval while the broker is away): the watchers' view may be stale
     * from here until {@link #pollWorked()}. A stack trace only for what is not the registry's own refusal or silence.
     */
    private void pollFailed(Throwable t) {
        if (failedPolls++ > 0) {
            return;
        }
        outageStart = System.nanoTime();
        List<String> prefixes = watches.stream().map(w -> w.prefix).distinct().toList();
        if (t instanceof RegistryException) {
            log.warn("{}: cannot poll the watches on {} ({}); their watchers see no change until it answers, trying every {}",
                    name, prefixes, t.toString(), interval);
        } else {
            log.warn("{}: cannot poll the watches on {}; their watchers see no change until it works, trying every {}",
                    name, prefixes, interval, t);
        }
    }

    /** Ends an outage: the listing just taken reported what changed during it. */
    private void pollWorked() {
        if (failedPolls > 0) {
            log.warn("{}: watches polled again after {} s ({} failed polls); changes made meanwhile were reported", name,
                    String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - outageStart) / 1e9), failedPolls);
            failedPolls = 0;
        }
    }

    @Override
    public void close() {
        ScheduledExecutorService t;
        synchronized (this) {
            closed = true;
            watches.clear();
            t = timer;
        }
        if (t != null) {
            task.cancel(false);
            t.shutdownNow();
            try {
                t.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private final class Watch {
        final String prefix;
        final RegistryWatcher watcher;
        final Map<String, RegistryEntry> known = new HashMap<>();

        Watch(String prefix, RegistryWatcher watcher) {
            this.prefix = prefix;
            this.watcher = watcher;
        }

        void refresh(List<RegistryEntry> now) {
            Map<String, RegistryEntry> next = new HashMap<>();
            for (RegistryEntry e : now) {
                next.put(e.key(), e);
            }
            TreeSet<String> keys = new TreeSet<>(known.keySet());
            keys.addAll(next.keySet());
            Instant at = clock.instant(); // Instant.now() put a test clock's deletions months after its writes
            for (String k : keys) {
                RegistryEntry before = known.get(k);
                RegistryEntry after = next.get(k);
                RegistryEntry change = null;
                if (after == null) {
                    // gone: deleted, expired, or removed by the store's own clean-up after expiry
                    change = before.tombstone(before.expiresAt().filter(x -> !x.isAfter(at)).orElse(at));
                } else if (before == null || after.version() > before.version()) {
                    change = after;
                }
                if (change != null && watches.contains(this)) {
                    RegistryEntry c = change;
                    calls.run("registry watcher on '" + prefix + "'", () -> watcher.onChange(c));
                    // a watcher that restored an interrupt it caught: left set, it failed every later listing of this
                    // poll; cleared first, then closed read, so close()'s own interrupt (after it set closed) stays
                    if (Thread.interrupted() && closed) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
            known.clear();
            known.putAll(next);
        }
    }
}
