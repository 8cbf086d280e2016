package dev.outpost.core.registry;

import dev.outpost.core.lifecycle.Guard;
import dev.outpost.core.lifecycle.OwnedThreads;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryWatcher;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Delivers registry changes to watchers without ever blocking the writer: for implementations of
 * {@link dev.outpost.spi.Registry}.
 *
 * <p>Each watch has a bounded buffer and is drained by a pooled thread (named
 * {@code NAME-watch-N}; idle ones end after a minute), one drain at a time per watch so calls never
 * overlap and keep publish order. When a buffer is full the buffered changes are dropped and the
 * watcher's next call is {@link RegistryWatcher#onResync(long)}: the watcher knows, and re-lists.
 * Call {@link #publish} in commit order.
 */
public final class WatchHub implements AutoCloseable {
    /** The default number of changes a watch buffers before its watcher must resync. */
    public static final int DEFAULT_BUFFER = 1024;

    private final int buffer;
    private final ExecutorService pool;
    private final Guard calls;
    private final List<Watch> watches = new CopyOnWriteArrayList<>();

    /**
     * A hub whose (daemon) threads are named after {@code name}, buffering {@code buffer} changes
     * per watch.
     */
    public WatchHub(String name, int buffer) {
        this(buffer, new OwnedThreads(Objects.requireNonNull(name, "name"), Optional.empty(), true).role("watch"), new Guard(name));
    }

    /**
     * A hub for a component that owns its threads: drain threads come from {@code threads}, and
     * whatever a watcher throws, {@link Error}s included, goes to {@code calls}.
     */
    public WatchHub(int buffer, ThreadFactory threads, Guard calls) {
        if (buffer < 1) {
            throw new IllegalArgumentException("buffer must be at least 1, was " + buffer);
        }
        this.buffer = buffer;
        this.calls = Objects.requireNonNull(calls, "calls");
        // one thread per concurrently draining watch; idle ones end after a minute
        this.pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                Objects.requireNonNull(threads, "threads"));
    }

    /** Adds a watch on {@code prefix} hearing every change published from now on. */
    public AutoCloseable add(String prefix, RegistryWatcher watcher) {
        return add(prefix, watcher, Long.MIN_VALUE);
    }

    /**
     * Adds a watch on {@code prefix} that hears changes with a revision above {@code fromRevision}
     * (the revision the store had when the watch was taken: a write that committed before it is
     * never delivered); closing the result removes it and drops what it buffered.
     */
    public AutoCloseable add(String prefix, RegistryWatcher watcher, long fromRevision) {
        Watch w = new Watch(Objects.requireNonNull(prefix, "prefix"), Objects.requireNonNull(watcher, "watcher"), fromRevision);
        watches.add(w);
        return w;
    }

    /** Queues {@code change} for every watch whose prefix it matches; never blocks on a watcher. Call in commit order. */
    public void publish(RegistryEntry change, long revision) {
        for (Watch w : watches) {
            if (revision > w.from && change.key().startsWith(w.prefix)) {
                w.offer(change, revision);
            }
        }
    }

    /** How many watches are open. */
    public int size() {
        return watches.size();
    }

    /** Removes every watch and stops the threads (a running watcher call is not interrupted). */
    @Override
    public void close() {
        for (Watch w : watches) {
            w.close();
        }
        pool.shutdown();
    }

    /** {@link #close()}, then waits up to {@code millis} for running watcher calls, interrupting them after. */
    public void close(long millis) {
        close();
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
