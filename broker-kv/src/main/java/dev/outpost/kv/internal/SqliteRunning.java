package dev.outpost.kv.internal;

import dev.outpost.core.lifecycle.Guard;
import dev.outpost.core.lifecycle.Lifecycle;
import dev.outpost.core.registry.WatchHub;
import dev.outpost.spi.RegistryException;
import dev.outpost.spi.RegistryWatcher;
import java.nio.file.Path;

/**
 * What a SQLite registry runs on from its start to its shutdown: the parts start opens (watch hub, writer and its
 * thread, read connections), published together and stopped in order, and the check every call makes that the
 * registry is running before it uses them. Separate from {@code SqliteRegistry}, which keeps its API and builder, so
 * that what is open when is decided in one place.
 */
public final class SqliteRunning {
    private final Path file;
    private final SqliteOptions options;
    private final Lifecycle lifecycle;
    private final Guard calls;
    private final String name;
    private volatile SqliteWriter writer;
    private volatile SqliteReads reads;
    private volatile WatchHub hub;
    private volatile Thread writerThread;

    /** @param name the registry's, for messages */
    public SqliteRunning(Path file, SqliteOptions options, Lifecycle lifecycle, String name) {
        this.file = file;
        this.options = options;
        this.lifecycle = lifecycle;
        this.calls = new Guard(name);
        this.name = name;
    }

    /**
     * Starts the lifecycle, opens the parts and starts the writer.
     *
     * @throws IllegalStateException when started before or shut down, also while it opened
     */
    public void start() {
        lifecycle.start();
        Thread loop;
        SqliteParts parts;
        try {
            loop = lifecycle.newThread(() -> writer.loop(), "writer"); // first: a factory that throws finds nothing open
            parts = SqliteParts.open(file, options, lifecycle.role("watch"), calls);
        } catch (RuntimeException | Error e) {
            lifecycle.failedStart();
            throw e;
        }
        synchronized (this) {
            if (lifecycle.stopped()) { // a shutdown meanwhile found nothing to stop: what start opened stayed open
                parts.close();
                throw new IllegalStateException(name + " was shut down while it started");
            }
            hub = parts.hub();
            writer = parts.writer();
            reads = parts.reads();
            writerThread = loop;
            loop.start();
        }
    }

    /**
     * Runs {@code first} (what uses the parts: the backups), then commits the writes already queued, stops the writer
     * and closes the file and the watch hub.
     */
    public synchronized void stop(Runnable first) { // one lock with start()'s publishing: each sees what the other did
        first.run();
        SqliteWriter w = writer;
        if (w == null) {
            return;
        }
        w.stop(writerThread);
        try {
            writerThread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        w.close();
        hub.close(5_000);
        reads.close();
    }

    /**
     * @throws RegistryException.Closed after shutdown
     * @throws IllegalStateException before start
     */
    public void ensureRunning() {
        if (lifecycle.stopped()) {
            throw new RegistryException.Closed("SQLite registry " + file);
        }
        lifecycle.requireStarted();
    }

    /** The running writer; throws as {@link #ensureRunning()} does. */
    public SqliteWriter writer() {
        ensureRunning();
        return writer;
    }

    /** The running read connections; throws as {@link #ensureRunning()} does. */
    public SqliteReads reads() {
        ensureRunning();
        return reads;
    }

    /** Watches {@code prefix} from the committed revision on; throws as {@link #ensureRunning()} does. */
    public AutoCloseable watch(String prefix, RegistryWatcher watcher) {
        ensureRunning();
        return hub.add(prefix, watcher, writer.committedRevision());
    }
}
