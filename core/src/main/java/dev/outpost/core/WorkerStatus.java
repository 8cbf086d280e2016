package dev.outpost.core;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A snapshot of a {@link Worker}: what it has done, what it is doing, and whether its threads are
 * healthy. {@code outpost.status} returns it as JSON.
 *
 * @param workerId the worker's id
 * @param state the lifecycle state
 * @param startedAt when the worker started (the epoch if it never did)
 * @param source the queue the worker reads
 * @param concurrency the most requests run at once
 * @param prefetch deliveries it may hold now beyond the concurrency, waiting for a runner (the
 *     automatic prefetch opens and closes with run times; 0 on an in-process transport)
 * @param inFlight deliveries held now: running, or waiting for a runner (up to concurrency + prefetch)
 * @param queueDepth messages waiting in the source, when the transport knows
 * @param counters totals since start
 * @param latency run times of recent requests
 * @param collectors per-collector totals
 * @param running the requests running now, longest-running first
 * @param threads the worker's poller threads
 * @param codec the codec's own state (replay cache, key file reloads), as names and values
 * @param refusals deliveries refused without running, by reason code ({@code unauthorised}, …)
 * @param receiveFailure while the source cannot be reached: the last receive failure
 */
public record WorkerStatus(
        String workerId,
        State state,
        Instant startedAt,
        String source,
        int concurrency,
        int prefetch,
        int inFlight,
        OptionalLong queueDepth,
        Counters counters,
        Latency latency,
        Map<String, CollectorCounters> collectors,
        List<RunningRequest> running,
        List<ThreadHealth> threads,
        Map<String, String> codec,
        Map<String, Long> refusals,
        Optional<String> receiveFailure) {

    /** Copies the collections. */
    public WorkerStatus {
        Objects.requireNonNull(workerId, "workerId");
        collectors = Map.copyOf(collectors);
        running = List.copyOf(running);
        threads = List.copyOf(threads);
        codec = Map.copyOf(codec);
        refusals = Map.copyOf(refusals);
        Objects.requireNonNull(receiveFailure, "receiveFailure");
    }

    /**
     * Whether the worker is running, every poller thread is alive and its source can be reached
     * (a receive failing now is an outage: not healthy).
     */
    public boolean healthy() {
        return state == State.RUNNING && threads.stream().allMatch(ThreadHealth::alive) && receiveFailure.isEmpty();
    }

    /** A worker's lifecycle. */
    public enum State {
        /** Built, not started. */
        NEW,
        /** Polling and running requests. */
        RUNNING,
        /** No longer polling; finishing in-flight work. */
        STOPPING,
        /** Stopped; its threads are gone. */
        STOPPED
    }

    /**
     * Totals since the worker started.
     *
     * @param received deliveries received
     * @param succeeded requests answered ok
     * @param failed requests answered with an error (permanent failure or attempts exhausted)
     * @param retried runs that failed and were handed back for another attempt
     * @param rejected deliveries refused without running
     * @param deadLettered copies sent to the dead-letter destination
     * @param duplicates deliveries dropped as duplicates of a request already answered
     * @param timedOut runs interrupted at their deadline
     * @param handedBack deliveries handed back unfinished at shutdown
     * @param transportErrors failed transport operations
     * @param internalErrors unexpected failures of the loop itself (each logged with an incident id)
     * @param listenerErrors throwables caught from listeners
     */
    public record Counters(long received, long succeeded, long failed, long retried, long rejected,
            long deadLettered, long duplicates, long timedOut, long handedBack, long transportErrors,
            long internalErrors, long listenerErrors) {}

    /**
     * Run times of the most recent requests (up to a few thousand).
     *
     * @param samples how many runs the figures cover
     * @param p50Millis the median, in milliseconds
     * @param p99Millis the 99th percentile, in milliseconds
     * @param maxMillis the longest, in milliseconds
     */
    public record Latency(int samples, double p50Millis, double p99Millis, double maxMillis) {}

    /**
     * Totals for one collector.
     *
     * @param runs times it ran
     * @param failures runs that failed
     * @param totalMillis time spent in it, in milliseconds
     */
    public record CollectorCounters(long runs, long failures, double totalMillis) {}

    /**
     * A request being run.
     *
     * @param requestId the request's id
     * @param collector the collector running it
     * @param sender the authenticated sender's name, or empty when the codec does not authenticate
     * @param attempt which attempt this is
     * @param runningMillis how long it has been running
     * @param progress the collector's last {@link dev.outpost.spi.CollectorContext#progress} message
     */
    public record RunningRequest(String requestId, String collector, String sender, int attempt, long runningMillis,
            String progress) {}

    /**
     * One of the worker's threads.
     *
     * @param name the thread's name
     * @param alive whether it is running
     * @param lastActive when it last finished a poll, or started (the epoch before it started)
     * @param lastError the last error it met, empty string when none
     */
    public record ThreadHealth(String name, boolean alive, Instant lastActive, String lastError) {}
}
