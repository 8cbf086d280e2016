package dev.outpost.core.internal;

import dev.outpost.Response;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The responses one broadcast has gathered so far: one per worker. */
public final class Gathering {
    /** What became of an answer offered to the gathering. */
    public enum Added {
        /** Taken (or a duplicate of a worker's answer already taken); more are awaited. */
        GATHERING,
        /** Taken, and the last one expected: the caller finishes the broadcast. */
        COMPLETE,
        /** Not taken: the broadcast completed, was finished or cancelled already; the answer belongs elsewhere (the listeners). */
        TOO_LATE
    }

    private final int expected;
    private final List<Response> responses = new ArrayList<>();
    /** Workers answered: an answer delivered twice (at-least-once, or its ack lost) must not stand for another worker's. */
    private final Set<String> workers = new HashSet<>();
    private final CallbackFuture<List<Response>> future;

    public Gathering(int expected, CallbackFuture<List<Response>> future) {
        this.expected = expected;
        this.future = future;
    }

    public CallbackFuture<List<Response>> future() {
        return future;
    }

    /**
     * Closed once complete or finished: several reply pollers may each have looked the gathering up before that, and
     * an answer they add afterwards would be past the expected count, or missing from a result already taken.
     */
    private boolean closed;

    public synchronized Added add(Response r) {
        // done also when the caller cancelled: a poller may have looked the gathering up just before
        if (closed || future.isDone()) {
            return Added.TOO_LATE;
        }
        if (workers.add(r.worker())) {
            responses.add(r);
        }
        if (responses.size() >= expected) {
            closed = true;
            return Added.COMPLETE;
        }
        return Added.GATHERING;
    }

    /** What was gathered; nothing is taken after. */
    public synchronized List<Response> close() {
        closed = true;
        return List.copyOf(responses);
    }
}
