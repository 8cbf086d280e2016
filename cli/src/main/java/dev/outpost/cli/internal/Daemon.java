package dev.outpost.cli.internal;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a daemon until SIGTERM or Ctrl-C: starts its parts, prints its one health line, then on the
 * signal stops what it started in reverse order (a worker drains its in-flight work first), and
 * only then lets the JVM exit, so nothing acknowledged is lost.
 *
 * <p>The signal is handled from the first part owned: a stop asked for while the daemon still
 * starts (a restart right after a start) drains what already runs too, and a part owned once the
 * stop has begun is closed at once. A start-up that fails closes what it owned, quietly, and its
 * error is the command's.
 */
public final class Daemon {
    /** Builds and starts a daemon's parts, {@linkplain #own owning} each; returns the health line. */
    @FunctionalInterface
    public interface StartUp {
        String start() throws Exception;
    }

    private final List<AutoCloseable> stopInOrder = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread hook = new Thread(this::stopAll, "outpost-daemon-shutdown");
    private boolean hooked;
    private boolean stopping;

    /** Registers something to close at the signal; the last registered is closed first. */
    public <T extends AutoCloseable> T own(T resource) {
        synchronized (stopInOrder) {
            if (!stopping) {
                if (!hooked) {
                    Runtime.getRuntime().addShutdownHook(hook);
                    hooked = true;
                }
                stopInOrder.add(resource);
                return resource;
            }
        }
        close(resource); // made after the stop began: starting it fails, as starting any closed part does
        return resource;
    }

    /**
     * Runs {@code startUp}, prints the health line it returns, and blocks until the JVM is asked to
     * stop and everything is closed.
     *
     * @throws Exception what {@code startUp} threw, after closing what it owned (unless a stop
     *     began meanwhile: then that stop is what ended it, and this returns once it is done)
     */
    public int run(PrintWriter out, StartUp startUp) throws Exception {
        String healthLine;
        try {
            healthLine = startUp.start();
        } catch (Throwable t) {
            if (abandon()) {
                throw t;
            }
            stopped.await();
            return 0;
        }
        out.println(healthLine);
        out.flush();
        stopped.await();
        // not the process's exit status: the signal's exit (143 for SIGTERM) is under way, and main's System.exit waits for it
        return 0;
    }

    /** Closes everything now (also what the shutdown hook does). */
    public void stopAll() {
        List<AutoCloseable> parts;
        synchronized (stopInOrder) {
            parts = takeAll();
        }
        // a stop can take a drain timeout and a long poll: say at once that it has begun
        System.err.println("outpost: stopping");
        parts.forEach(Daemon::close);
        System.err.println("outpost: stopped");
        stopped.countDown();
    }

    /** The shutdown hook, registered with the first part owned. */
    Thread hook() {
        return hook;
    }

    /** A failed start-up: closes what it owned and takes the hook back; false when a stop had begun already. */
    private boolean abandon() {
        List<AutoCloseable> parts;
        synchronized (stopInOrder) {
            if (stopping) {
                return false;
            }
            parts = takeAll();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException exiting) {
            // the JVM is exiting already: the hook finds nothing left to close
        }
        parts.forEach(Daemon::close);
        stopped.countDown();
        return true;
    }

    /** Marks the stop begun and hands over the parts owned, last first; holding the lock. */
    private List<AutoCloseable> takeAll() {
        stopping = true;
        List<AutoCloseable> parts = new ArrayList<>(stopInOrder);
        stopInOrder.clear();
        Collections.reverse(parts);
        return parts;
    }

    private static void close(AutoCloseable c) {
        try {
            c.close();
        } catch (Throwable t) {
            System.err.println("outpost: stopping " + c + " failed: " + t);
        }
    }
}
