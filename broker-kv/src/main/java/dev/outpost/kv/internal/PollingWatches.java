package dev.outpost.kv.internal;

import dev.outpost.core.lifecycle.Guard;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryWatcher;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    private final Function<String, Optional<RegistryEntry>> getter;
    private final List<Watch> watches = new CopyOnWriteArrayList<>();
    private ScheduledExecutorService timer;
    private ScheduledFuture<?> task;
    private long lastRevision = Long.MIN_VALUE;
    private long polls;
    private boolean closed;

    /**
     * Polls every {@code interval} on one thread from {@code threads}, made with the first watch;
     * {@code revision} may throw, then every poll lists. A key missing from a listing is read once
     * more with {@code getter}, and reported deleted only when the next poll misses it too: a
     * listing that raced a write (DynamoDB Local was seen to drop an item being replaced, from the
     * listing and the re-read alike) must not announce a deletion that never was.
     */
    public PollingWatches(String name, ThreadFactory threads, Guard calls, Duration interval, int fullEvery,
            LongSupplier revision, Function<String, List<RegistryEntry>> lister, Function<String, Optional<RegistryEntry>> getter) {
        this.name = name;
        this.threads = threads;
        this.calls = calls;
        this.interval = interval;
        this.fullEvery = fullEvery;
        this.revision = revision;
        this.lister = lister;
        this.getter = getter;
    }

    /** Adds a watch; its first listing is taken now, so it reports changes from now on. */
    public synchronized AutoCloseable add(String prefix, RegistryWatcher watcher) {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        Watch w = new Watch(prefix, watcher);
        for (RegistryEntry e : lister.apply(prefix)) {
            w.known.put(e.key(), e);
        }
        watches.add(w);
        if (timer == null) {
            timer = new ScheduledThreadPoolExecutor(1, threads);
            task = timer.scheduleWithFixedDelay(this::poll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        }
        return () -> watches.remove(w);
    }

    private void poll() {
        try {
            if (watches.isEmpty()) {
                return;
            }
            polls++;
            // a key missing once is listed again next time, whatever the revision says (see Watch.refresh)
            boolean full = polls % fullEvery == 0 || watches.stream().anyMatch(w -> !w.suspect.isEmpty());
            if (!full) {
                try {
                    long r = revision.getAsLong();
                    if (r == lastRevision) {
                        return;
                    }
                    lastRevision = r;
                } catch (RuntimeException e) {
                    // no revision: list anyway
                }
            }
            for (Watch w : watches) {
                w.refresh(lister.apply(w.prefix));
            }
        } catch (Throwable t) {
            log.warn("{}: poll failed; trying again in {}", name, interval, t);
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
        /** Keys missing from one listing and its re-read: reported deleted only if the next poll agrees. */
        final java.util.Set<String> suspect = new java.util.HashSet<>();

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
            Instant at = Instant.now();
            for (String k : keys) {
                RegistryEntry before = known.get(k);
                RegistryEntry after = next.get(k);
                if (after == null && before != null) {
                    after = getter.apply(k).orElse(null);
                    if (after != null) {
                        next.put(k, after);
                    }
                }
                RegistryEntry change = null;
                if (after == null) {
                    if (suspect.add(k)) {
                        // DynamoDB Local was seen to miss an item in a listing and in its re-read while
                        // the item was being replaced: a deletion is reported when two polls agree
                        next.put(k, before);
                    } else {
                        suspect.remove(k);
                        change = before.tombstone(before.expiresAt().filter(x -> !x.isAfter(at)).orElse(at));
                    }
                } else {
                    suspect.remove(k);
                    if (before == null || after.version() > before.version()) {
                        change = after;
                    }
                }
                if (change != null && watches.contains(this)) {
                    RegistryEntry c = change;
                    calls.run("registry watcher on '" + prefix + "'", () -> watcher.onChange(c));
                }
            }
            known.clear();
            known.putAll(next);
        }
    }
}
