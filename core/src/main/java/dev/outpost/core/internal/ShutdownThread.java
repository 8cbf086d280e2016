package dev.outpost.core.internal;

import dev.outpost.core.lifecycle.OwnedThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a component's shutdown waits for its threads: on a thread of its own, so that
 * {@code shutdown()} does not block; on the caller's when none can be had. The thread factory is
 * user code and may throw, and {@link Thread#start()} fails when the process has no threads left:
 * either left the shutdown's future for ever incomplete, and {@code close()} waiting on it.
 */
public final class ShutdownThread {
    private static final Logger log = LoggerFactory.getLogger(ShutdownThread.class);

    private ShutdownThread() {}

    /** Runs {@code shutdown} on a new thread of {@code threads}, or here. */
    public static void start(OwnedThreads threads, Runnable shutdown) {
        Thread t;
        try {
            t = threads.newThread(shutdown, "shutdown");
            t.start();
        } catch (RuntimeException | Error e) {
            log.warn("{}shutdown: no thread to run it on ({}): it runs on the caller's", threads.prefix(), e.toString());
            shutdown.run();
        }
    }
}
