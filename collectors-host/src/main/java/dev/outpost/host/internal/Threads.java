package dev.outpost.host.internal;

import java.util.Optional;
import java.util.concurrent.ThreadFactory;

/**
 * The host collectors' threads: the user's factory makes them when one was given, else named {@code outpost-host-...}
 * daemons. Not core's {@code OwnedThreads}, which keeps every thread it made for its owner's shutdown: these are made
 * per run (a command's stream readers, a file's open) by collectors that have no shutdown.
 */
public final class Threads {
    private Threads() {}

    /** One thread, not started; {@code defaultName} is used only without a user factory (which names its own). */
    public static Thread newThread(Optional<ThreadFactory> factory, Runnable r, String defaultName) {
        if (factory.isPresent()) {
            Thread t = factory.get().newThread(r);
            if (t == null) {
                throw new IllegalStateException("the ThreadFactory returned null for " + defaultName);
            }
            return t;
        }
        Thread t = new Thread(r, defaultName);
        t.setDaemon(true); // per-run helpers: they must never keep the JVM alive
        return t;
    }
}
