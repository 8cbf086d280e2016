package dev.outpost.testing.internal;

import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.WorkerListener;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * The requests a worker has finished with: answered, acked and told to the listeners added before this one (it is
 * added last). A call waits here after its answer arrives, since the worker sends the answer before it tells them.
 */
public final class Answered implements WorkerListener {
    private final Set<String> ids = new HashSet<>();

    @Override
    public synchronized void onCompleted(Request request, Response response, Duration elapsed) {
        ids.add(request.id());
        notifyAll();
    }

    /** Waits until the worker finished with {@code requestId} or {@code deadlineNanos} ({@link System#nanoTime}) passes. */
    public synchronized boolean await(String requestId, long deadlineNanos) throws InterruptedException {
        while (!ids.contains(requestId)) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    /** Forgets every request, for the next test. */
    public synchronized void clear() {
        ids.clear();
    }
}
