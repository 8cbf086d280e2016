package dev.outpost.core.registry;

import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryWatcher;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    private static final Logger log = LoggerFactory.getLogger(WatchHub.class);

    /** The default number of changes a watch buffers before its watcher must resync. */
    public static final int DEFAULT_BUFFER = 1024;

    private final int buffer;
    private final ExecutorService pool;
    private final List<Watch> watches = new CopyOnWriteArrayList<>();

    /**
     * A hub whose threads are named after {@code name}, buffering {@code buffer} changes per watch.
     */
    public WatchHub(String name, int buffer) {
        Objects.requireNonNull(name, "name");
        if (buffer < 1) {
            throw new IllegalArgumentException("buffer must be at least 1, was " + buffer);
        }
        this.buffer = buffer;
        AtomicInteger n = new AtomicInteger();
        // unbounded thread count (one per concurrently draining watch) but threads die when idle
        ThreadPoolExecutor p = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
                new java.util.concurrent.SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, name + "-watch-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.pool = p;
    }

    /** Adds a watch on {@code prefix}; closing the result removes it and drops what it buffered. */
    public AutoCloseable add(String prefix, RegistryWatcher watcher) {
        Watch w = new Watch(Objects.requireNonNull(prefix, "prefix"), Objects.requireNonNull(watcher, "watcher"));
        watches.add(w);
        return w;
    }

    /** Queues {@code change} for every watch whose prefix it matches; never blocks on a watcher. */
    public void publish(RegistryEntry change, long revision) {
        for (Watch w : watches) {
            if (change.key().startsWith(w.prefix)) {
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

    private final class Watch implements AutoCloseable {
        final String prefix;
        final RegistryWatcher watcher;
        private final ArrayDeque<RegistryEntry> queue = new ArrayDeque<>();
        private long resyncAt = -1;
        private boolean draining;
        private boolean closed;

        Watch(String prefix, RegistryWatcher watcher) {
            this.prefix = prefix;
            this.watcher = watcher;
        }

        void offer(RegistryEntry change, long revision) {
            synchronized (this) {
                if (closed) {
                    return;
                }
                if (queue.size() >= buffer) {
                    queue.clear();
                    // the change that overflowed is dropped too: the resync covers it
                    resyncAt = revision;
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
                try {
                    if (resync >= 0) {
                        watcher.onResync(resync);
                    } else {
                        watcher.onChange(next);
                    }
                } catch (Throwable t) {
                    log.warn("registry watcher on '{}' failed", prefix, t);
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
