package dev.outpost.cli.internal;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a daemon until SIGTERM or Ctrl-C: prints its one health line, then on the signal stops what
 * it started in reverse order (a worker drains its in-flight work first), and only then lets the
 * JVM exit, so nothing acknowledged is lost.
 */
public final class Daemon {
    private final List<AutoCloseable> stopInOrder = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);

    /** Registers something to close at the signal; the last registered is closed first. */
    public <T extends AutoCloseable> T own(T resource) {
        stopInOrder.add(resource);
        return resource;
    }

    /** Prints {@code healthLine} and blocks until the JVM is asked to stop and everything is closed. */
    public int run(PrintWriter out, String healthLine) throws InterruptedException {
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "outpost-daemon-shutdown"));
        out.println(healthLine);
        out.flush();
        stopped.await();
        // not the process's exit status: the signal's exit (143 for SIGTERM) is under way, and main's System.exit waits for it
        return 0;
    }

    /** Closes everything now (also what the shutdown hook does). */
    public void stopAll() {
        // a stop can take a drain timeout and a long poll: say at once that it has begun
        System.err.println("outpost: stopping");
        List<AutoCloseable> reversed = new ArrayList<>(stopInOrder);
        Collections.reverse(reversed);
        for (AutoCloseable c : reversed) {
            try {
                c.close();
            } catch (Throwable t) {
                System.err.println("outpost: stopping " + c + " failed: " + t);
            }
        }
        System.err.println("outpost: stopped");
        stopped.countDown();
    }
}
