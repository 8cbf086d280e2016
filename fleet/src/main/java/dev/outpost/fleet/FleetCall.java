package dev.outpost.fleet;

import dev.outpost.fleet.internal.CallState;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A fleet call (or rollout) in progress: its expected set, its results so far, its summary to
 * come, and ways to cancel it. Thread-safe.
 */
public final class FleetCall {
    private final CallState state;

    FleetCall(CallState state) {
        this.state = state;
    }

    /** The request id every host receives. */
    public String id() {
        return state.requestId();
    }

    /** The collector requested. */
    public String collector() {
        return state.collector();
    }

    /** Where the expected set came from. */
    public Discovery.Source source() {
        return state.source();
    }

    /** The expected hosts. */
    public List<String> expected() {
        return state.expected();
    }

    /**
     * Completes, on the fleet's callback executor, once every expected host is settled: by its
     * answer, a transport failure, the deadline, a cancellation, or (rollouts) an abort, and every
     * listener call for those hosts has returned (one not returned one deadline after the last host
     * was settled is given up on and logged; see {@link FleetListener}). Never completes
     * exceptionally.
     */
    public CompletableFuture<FleetSummary> summary() {
        return state.summary().thenApply(s -> s);
    }

    /** The results settled so far. */
    public List<HostResult> results() {
        return state.results();
    }

    /** The hosts sent the request and not settled yet (offline hosts wait here until their ttl). */
    public List<PendingCall> pending() {
        return state.pending();
    }

    /**
     * Completes with {@code host}'s result once it is settled.
     *
     * @return fails with {@link IllegalArgumentException} when {@code host} is not expected
     */
    public CompletableFuture<HostResult> awaitHost(String host) {
        return state.awaitHost(host);
    }

    /**
     * Cancels {@code host}: it is settled as {@code cancelled} now and, when the request is
     * cancellable, a worker that receives it later refuses it.
     *
     * @return false when it was settled already or is not expected
     */
    public boolean cancel(String host) {
        return state.cancel(host);
    }

    /** Cancels every host not settled yet (a rollout starts no more); how many were cancelled. */
    public int cancel() {
        return state.cancelAll();
    }

    /** Answers that came after the summary. */
    public long lateAnswers() {
        return state.lateAfterSummary();
    }

    @Override
    public String toString() {
        return "FleetCall[" + id() + " " + collector() + "]";
    }
}
