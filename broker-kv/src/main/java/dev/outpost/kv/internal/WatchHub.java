package dev.outpost.kv.internal;

import dev.outpost.core.lifecycle.Guard;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryWatcher;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Delivers a store's changes to watchers without ever blocking the writer. Each watch has a
 * bounded buffer drained by a pooled thread (one drain at a time per watch, so calls never overlap
 * and keep publish order); a full buffer is dropped and the watcher's next call is
 * {@link RegistryWatcher#onResync(long)}. A watch hears only changes whose revision is above the
 * store's committed revision when it was added: a write that returned before {@code watch()} was
 * called is never delivered to it.
 */
public final class WatchHub {
    private final int buffer;
    private final ThreadPoolExecutor pool;
    private final Guard calls;
    private final List<Watch> watches = new CopyOnWriteArrayList<>();

    public WatchHub(int buffer, ThreadFactory threads, Guard calls) {
        if (buffer < 1) {
            throw new IllegalArgumentException("buffer must be at least 1, was " + buffer);
        }
        this.buffer = buffer;
        this.calls = calls;
        // one thread per concurrently draining watch; idle ones end after a minute
        this.pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), threads);
    }

    /**
     * Adds a watch on {@code prefix} that hears changes with a revision above {@code fromRevision};
     * closing the result removes it and drops what it buffered.
     */
    public AutoCloseable add(String prefix, RegistryWatcher watcher, long fromRevision) {
        Watch w = new Watch(Objects.requireNonNull(prefix, "prefix"), Objects.requireNonNull(watcher, "watcher"), fromRevision);
        watches.add(w);
        return w;
    }

    /** Queues {@code change} for every watch whose prefix it matches; call in commit order. */
    public void publish(RegistryEntry change, long revision) {
        for (Watch w : watches) {
            if (revision > w.from && change.key().startsWith(w.prefix)) {
                w.offer(change, revision);
            }
        }
    }

    /** Removes every watch and stops the threads, waiting up to {@code millis} for running calls. */
    public void close(long millis) {
        for (Watch w : watches) {
            w.close();
        }
        pool.shutdown();
        try {
            if (!pool.awaitTermination(millis, TimeUnit.MILLISECONDS)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Watch implements AutoCloseable {
        final String prefix;
        final RegistryWatcher watcher;
        final long from;
        private final ArrayDeque<RegistryEntry> queue = new ArrayDeque<>();
        private long resyncAt = -1;
        private boolean draining;
        private boolean closed;

        Watch(String prefix, RegistryWatcher watcher, long from) {
            this.prefix = prefix;
            this.watcher = watcher;
            this.from = from;
        }

        void offer(RegistryEntry change, long revision) {
            synchronized (this) {
                if (closed) {
                    return;
                }
                if (queue.size() >= buffer) {
                    queue.clear();
                    resyncAt = revision; // the change that overflowed is covered by the resync too
                } else {
                    queue.add(change);
                }
                if (draining) {
                    return;
                }
                draining = true;
            }
            try {
                pool.execute(this::drain);
            } catch (RejectedExecutionException e) {
                synchronized (this) {
                    draining = false;
                }
            }
        }

        private void drain() {
            while (true) {
                RegistryEntry next;
                long resync;
                synchronized (this) {
                    resync = resyncAt;
                    resyncAt = -1;
                    next = resync >= 0 ? null : queue.poll();
                    if (closed || resync < 0 && next == null) {
                        draining = false;
                        return;
                    }
                }
                if (resync >= 0) {
                    calls.run("registry watcher on '" + prefix + "' (onResync)", () -> watcher.onResync(resync));
                } else {
                    calls.run("registry watcher on '" + prefix + "'", () -> watcher.onChange(next));
                }
            }
        }

        @Override
        public void close() {
            synchronized (this) {
                closed = true;
                queue.clear();
            }
            watches.remove(this);
        }
    }
}
