package dev.outpost.core.internal;

import dev.outpost.Response;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The responses one broadcast has gathered so far: one per worker. */
public final class Gathering {
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

    /** @return whether as many workers have answered as expected */
    public synchronized boolean add(Response r) {
        if (workers.add(r.worker())) {
            responses.add(r);
        }
        return responses.size() >= expected;
    }

    public synchronized List<Response> snapshot() {
        return List.copyOf(responses);
    }
}
