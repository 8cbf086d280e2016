package dev.outpost.core.internal;

import dev.outpost.Response;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The responses one broadcast has gathered so far. */
public final class Gathering {
    private final int expected;
    private final List<Response> responses = Collections.synchronizedList(new ArrayList<>());
    private final CallbackFuture<List<Response>> future;

    public Gathering(int expected, CallbackFuture<List<Response>> future) {
        this.expected = expected;
        this.future = future;
    }

    public CallbackFuture<List<Response>> future() {
        return future;
    }

    /** @return whether as many have arrived as expected */
    public boolean add(Response r) {
        responses.add(r);
        return responses.size() >= expected;
    }

    public List<Response> snapshot() {
        synchronized (responses) {
            return List.copyOf(responses);
        }
    }
}
