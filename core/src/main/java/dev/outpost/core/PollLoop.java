package dev.outpost.core;

import dev.outpost.ShutdownResult;
import dev.outpost.core.internal.BatchPermits;
import dev.outpost.core.internal.Checks;
import dev.outpost.core.internal.Outages;
import dev.outpost.core.internal.Received;
import dev.outpost.core.internal.Standby;
import dev.outpost.core.lifecycle.Guard;
import dev.outpost.core.lifecycle.OwnedThreads;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Transport;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one receive loop for components that consume a queue: the worker, the client, and anything
 * else that reads deliveries from a {@link Transport} (a record consumer, an outbox).
 *
 * <pre>{@code
 * PollLoop loop = PollLoop.builder(transport, "replies")
 *         .handler(delivery -> { process(delivery); delivery.ack(); })
 *         .build();
 * loop.start();
 * ...
 * loop.shutdown().join();
 * }</pre>
 *
 * <p>Each of {@linkplain Builder#threads the loop's threads} receives up to
 * {@linkplain Builder#maxBatch a batch}, waiting at most {@linkplain Builder#pollWait the poll
 * wait}, and hands every delivery to the {@linkplain Builder#handler handler} on the same thread.
 * A handler that wants more concurrency hands deliveries to its own executor.
 *
 * <ul>
 *   <li><b>Back-pressure.</b> With {@link Builder#freeSlots(Semaphore)} the loop never holds more
 *       deliveries than there are permits. Before a receive a thread waits for a full batch's worth
 *       of permits (the batch size, or every permit the semaphore had at {@link #start()} if that is
 *       fewer), at most {@linkplain Builder#batchWait the batch wait}; after that it takes one
 *       (waiting for it) and as many more as are free. A receive asked for fewer messages than the
 *       transport could return costs a call for less work, so the wait buys full receives while
 *       slots turn over quickly, and costs at most the batch wait when they do not (slow
 *       handlers). It returns the permits a receive did not fill. Each delivery handed to the
 *       handler carries one permit, which its consumer releases when it is done with the delivery.
 *   <li><b>Standby.</b> With {@link Builder#standby(boolean)} one thread at a time has a receive
 *       open while receives come back empty (any thread: one handling deliveries makes room for
 *       another), all of them once a receive brings all it asked for.
 *   <li><b>Outages.</b> A receive that fails is retried after a pause doubling from 50 ms to 5 s;
 *       the first failure of an outage is logged at WARN and reported to the
 *       {@linkplain Builder#onReceiveFailure listener}, the recovery at WARN too, with how long
 *       the outage lasted and how many receives failed (a log read at WARN, as a daemon's is, shows
 *       both ends of every outage and nothing in between).
 *       {@link #receiveFailure()} says whether the source is unreachable now.
 *   <li><b>User code cannot stop it.</b> Whatever the handler or a listener throws,
 *       {@link Error}s included, is caught, counted ({@link #handlerFailures()}) and logged; an
 *       interrupt it leaves set is cleared before the next receive. Nor can the transport's receive:
 *       a null result, or one whose elements throw when read, counts as a failed receive, null
 *       entries are skipped, and deliveries beyond what was asked for are handed back at once
 *       (logged once, each such receive counted as a failed one).
 *   <li><b>Lifecycle.</b> Nothing runs before {@link #start()} (twice: {@link IllegalStateException}).
 *       {@link #shutdown()} interrupts a thread only while it waits for free slots or stands by, inside a receive
 *       or in the pause after a failed one, never while it runs the handler, and completes once
 *       every thread of the loop has ended; it is idempotent (same future every call).
 * </ul>
 */
public final class PollLoop implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PollLoop.class);
    private static final long FIRST_PAUSE_MILLIS = 50;
    private static final long MAX_PAUSE_MILLIS = 5_000;
    /**
     * Default {@linkplain Builder#batchWait wait for a full batch of free slots}. Under load slots
     * come free in bursts (a batch of replies or deletes completes), some milliseconds apart, and
     * more on a starved machine; only handlers slower than this keep slots from coming free, and
     * beside them the wait is small.
     */
    public static final Duration DEFAULT_BATCH_WAIT = Duration.ofMillis(100);

    /** What the loop does with each delivery; runs on the loop's thread. */
    @FunctionalInterface
    public interface Handler {
        /** Handles one delivery (acks, retries or hands it on). */
        void handle(Delivery delivery) throws Exception;
    }

    /** Told about receive failures; runs on the loop's thread. */
    @FunctionalInterface
    public interface FailureListener {
        /** The first receive failure of an outage. */
        void onReceiveFailure(String source, Throwable failure);
    }

    private enum State { NEW, RUNNING, STOPPING, STOPPED }

    private final Transport transport;
    private final String source;
    private final Duration pollWait;
    private final BatchPermits permits;
    private final Handler handler;
    private final Runnable batchEnd;
    private final FailureListener failureListener;
    private final int threadCount;
    private final ThreadFactory factory;
    private final Clock clock;
    private final Guard guard;
    private final String owner;
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final List<Receiver> receivers = new CopyOnWriteArrayList<>();
    private final AtomicInteger live = new AtomicInteger();
    private final CompletableFuture<ShutdownResult> stopped = new CompletableFuture<>();
    private final Outages outages;
    private final Received received;
    /** Null unless no more than one thread has a receive open while the source is idle. */
    private final Standby standby;
    private volatile long stopNanos;
    long firstPauseMillis = FIRST_PAUSE_MILLIS; // tests lengthen it

    private PollLoop(Builder b) {
        this.transport = b.transport;
        this.source = b.source;
        this.pollWait = b.pollWait;
        this.permits = new BatchPermits(b.slots, b.maxBatch, b.batchWait.toNanos());
        this.handler = Objects.requireNonNull(b.handler, "handler");
        this.batchEnd = b.batchEnd;
        this.failureListener = b.failureListener;
        this.threadCount = b.threads;
        this.owner = b.owner.orElse("poll loop on '" + b.source + "'");
        this.factory = b.threadFactory.orElseGet(() -> new OwnedThreads("poll", Optional.empty()).role("receiver"));
        this.clock = b.clock;
        this.guard = new Guard(owner);
        this.outages = new Outages(log, owner, b.source);
        this.received = new Received(log, owner, guard, outages::receiveFailed);
        this.standby = b.standby && b.threads > 1 ? new Standby(b.threads) : null;
    }

    /** A builder for a loop receiving from {@code source} on {@code transport}. */
    public static Builder builder(Transport transport, String source) {
        return new Builder(transport, source);
    }

    /**
     * Starts the loop's threads.
     *
     * @throws IllegalStateException when it was started or shut down before
     */
    public void start() {
        if (!state.compareAndSet(State.NEW, State.RUNNING)) {
            throw new IllegalStateException(owner + " was already started");
        }
        permits.started();
        live.set(threadCount);
        int started = 0;
        try {
            List<Receiver> made = new ArrayList<>();
            for (int i = 0; i < threadCount; i++) {
                Receiver r = new Receiver();
                r.thread = factory.newThread(r);
                if (r.thread == null) {
                    throw new IllegalStateException("the ThreadFactory returned null for " + owner);
                }
                made.add(r);
            }
            Instant now = clock.instant();
            made.forEach(r -> r.lastActive = now); // a thread still in its first long poll is not one stuck since 1970
            receivers.addAll(made);
            for (Receiver r : made) {
                r.thread.start();
                started++;
            }
        } catch (RuntimeException | Error e) {
            // no thread for the rest (a factory's failure, no memory for a thread): those that run stop again, and
            // the ones that never ran are not waited for, so that shutdown() completes
            shutdown();
            ended(threadCount - started);
            throw e;
        }
    }

    /**
     * Stops receiving: a thread waiting in a receive is interrupted, one running the handler
     * finishes it first. Idempotent.
     *
     * @return completes when every thread of the loop has ended
     */
    public CompletableFuture<ShutdownResult> shutdown() {
        stopNanos = System.nanoTime();
        if (state.compareAndSet(State.NEW, State.STOPPED)) {
            stopped.complete(new ShutdownResult(true, List.of(), 0, Duration.ZERO));
            return stopped;
        }
        if (state.compareAndSet(State.RUNNING, State.STOPPING)) {
            receivers.forEach(Receiver::stopReceiving);
        }
        return stopped;
    }

    /** {@link #shutdown()} and wait for it. */
    @Override
    public void close() {
        shutdown().join();
    }

    /** Whether the loop is receiving (started and not shut down). */
    public boolean isRunning() {
        return state.get() == State.RUNNING;
    }

    /** While the source cannot be reached: the last receive failure; empty when the last receive worked. */
    public Optional<String> receiveFailure() {
        return outages.current();
    }

    /** Receives that failed since start. */
    public long receiveFailures() {
        return outages.failures();
    }

    /** Throwables caught from the handler and listeners. */
    public long handlerFailures() {
        return guard.failures();
    }

    /** The loop's threads: name, alive, last successful receive, last receive failure. */
    public List<WorkerStatus.ThreadHealth> threads() {
        List<WorkerStatus.ThreadHealth> out = new ArrayList<>();
        for (Receiver r : receivers) {
            out.add(new WorkerStatus.ThreadHealth(r.thread.getName(), r.thread.isAlive(), r.lastActive, r.lastError));
        }
        return out;
    }

    /** {@code n} of the loop's threads ended, or will never run: the last one completes the shutdown. */
    private void ended(int n) {
        if (n > 0 && live.addAndGet(-n) == 0) {
            stopped.complete(new ShutdownResult(true, List.of(), 0,
                    Duration.ofNanos(Math.max(0, System.nanoTime() - stopNanos))));
            state.set(State.STOPPED);
        }
    }

    private final class Receiver implements Runnable {
        volatile Thread thread;
        volatile Instant lastActive = Instant.EPOCH;
        volatile String lastError = "";
        /** Guarded by this: whether the thread is inside receive(), where a shutdown may interrupt it. */
        private boolean receiving;

        synchronized void stopReceiving() {
            if (receiving) {
                thread.interrupt();
            }
        }

        /** @return false when the loop stopped before the receive began */
        private synchronized boolean beginReceive() {
            // not a shutdown's (it interrupts only while receiving): code run by the handler that restored an
            // interrupt it caught; left set, it failed the next wait for slots or receive and ended the thread
            Thread.interrupted();
            receiving = state.get() == State.RUNNING;
            return receiving;
        }

        /** The receive is over (done, or given up before it began): its standby place, if it took one, goes to another thread. */
        private void leaveReceive(boolean entered) {
            if (entered) {
                standby.leave();
            }
            endReceive();
        }

        private synchronized void endReceive() {
            receiving = false;
            Thread.interrupted(); // an interrupt meant for the receive must not reach the handler
        }

        @Override
        public void run() {
            try {
                loop();
            } finally {
                ended(1);
            }
        }

        private void loop() {
            long pause = firstPauseMillis;
            while (state.get() == State.RUNNING) {
                if (!beginReceive()) {
                    return;
                }
                int wanted;
                boolean entered = false;
                try {
                    // standing by and waiting for slots are part of the receive: a shutdown interrupts them (nothing is held yet)
                    if (standby != null) {
                        standby.enter();
                        entered = true;
                    }
                    wanted = permits.take();
                } catch (InterruptedException e) {
                    leaveReceive(entered);
                    return;
                } catch (RuntimeException | Error e) {
                    leaveReceive(entered); // a broken semaphore ends this thread, but not the others' receiving
                    throw e;
                }
                List<Delivery> got;
                try {
                    try {
                        got = transport.receive(source, wanted, pollWait);
                        if (got == null) {
                            throw new IllegalStateException(transport.getClass().getName() + ".receive returned null");
                        }
                        got = new ArrayList<>(got); // a lazy view whose get() throws fails here, as the receive, not the thread
                    } finally {
                        leaveReceive(entered);
                    }
                    outages.receiveWorked();
                    pause = firstPauseMillis;
                } catch (InterruptedException e) {
                    permits.giveBack(wanted);
                    return;
                } catch (Throwable e) { // a transport bug must not kill the loop either
                    permits.giveBack(wanted);
                    outages.receiveFailed();
                    lastError = e.toString();
                    if (state.get() != State.RUNNING) {
                        return;
                    }
                    if (outages.began(e)) {
                        guard.run("receive failure listener", () -> failureListener.onReceiveFailure(source, e));
                    }
                    // the pause stands for the receive it puts off: a shutdown interrupts it (it was up to 5 s late)
                    if (!beginReceive()) {
                        return;
                    }
                    try {
                        Thread.sleep(pause);
                    } catch (InterruptedException ie) {
                        return;
                    } finally {
                        endReceive();
                    }
                    pause = Math.min(pause * 2, MAX_PAUSE_MILLIS);
                    continue;
                }
                lastActive = clock.instant();
                got = received.within(got, wanted);
                if (standby != null) {
                    standby.received(got.size(), wanted);
                }
                if (got.size() < wanted) {
                    permits.giveBack(wanted - got.size());
                }
                for (Delivery d : got) {
                    try {
                        handler.handle(d);
                    } catch (Throwable t) {
                        guard.failed("handler for " + Received.describe(d), t);
                    }
                }
                if (!got.isEmpty() && batchEnd != null) {
                    guard.run("end of batch", batchEnd);
                }
            }
        }
    }

    /** Builds a {@link PollLoop}. Not thread-safe. */
    public static final class Builder {
        private final Transport transport;
        private final String source;
        private int maxBatch = 10;
        private Duration pollWait = Duration.ofSeconds(20);
        private Duration batchWait = DEFAULT_BATCH_WAIT;
        private Handler handler;
        private Runnable batchEnd;
        private Optional<Semaphore> slots = Optional.empty();
        private FailureListener failureListener = (s, e) -> { };
        private int threads = 1;
        private boolean standby;
        private Optional<ThreadFactory> threadFactory = Optional.empty();
        private Clock clock = Clock.systemUTC();
        private Optional<String> owner = Optional.empty();

        private Builder(Transport transport, String source) {
            this.transport = Objects.requireNonNull(transport, "transport");
            this.source = Checks.text(source, "source");
        }

        /** The most deliveries one receive asks for, 1 to 10; default 10. */
        public Builder maxBatch(int maxBatch) {
            this.maxBatch = Checks.range(maxBatch, 1, 10, "maxBatch");
            return this;
        }

        /** How long one receive waits for messages; default 20 s. */
        public Builder pollWait(Duration wait) {
            this.pollWait = Checks.nonNegative(wait, "pollWait");
            return this;
        }

        /**
         * With {@link #freeSlots}: how long a thread waits for a full batch's worth of free slots
         * before it receives with what is free; default {@link PollLoop#DEFAULT_BATCH_WAIT}. Zero:
         * never wait, ask for whatever is free.
         */
        public Builder batchWait(Duration wait) {
            this.batchWait = Checks.nonNegative(wait, "batchWait");
            return this;
        }

        /** What to do with each delivery (required). */
        public Builder handler(Handler handler) {
            this.handler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * Runs on the loop's thread after the handler has seen every delivery of a receive that
         * brought any (for example, to acknowledge them together with {@link Transport#ackBatch}).
         */
        public Builder onBatchEnd(Runnable action) {
            this.batchEnd = Objects.requireNonNull(action, "action");
            return this;
        }

        /**
         * Bounds the deliveries held: one permit per delivery, released by whoever finishes it
         * (see the class comment). Without it every receive asks for a full batch.
         */
        public Builder freeSlots(Semaphore freeSlots) {
            this.slots = Optional.of(Objects.requireNonNull(freeSlots, "freeSlots"));
            return this;
        }

        /** Told about the first failure of each outage. */
        public Builder onReceiveFailure(FailureListener listener) {
            this.failureListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** How many threads receive; default 1. */
        public Builder threads(int threads) {
            this.threads = Checks.range(threads, 1, 4096, "threads");
            return this;
        }

        /**
         * Whether only one thread at a time has a receive open while the source is idle (a receive
         * came back empty) until a receive brings all it asked for, so that an idle source, or one
         * whose messages one thread keeps up with, costs one open receive; default false (every
         * thread receives all the time).
         */
        public Builder standby(boolean standby) {
            this.standby = standby;
            return this;
        }

        /** Makes the loop's threads; by default named {@code outpost-poll-N-receiver-M}, not daemons. */
        public Builder threadFactory(ThreadFactory threadFactory) {
            this.threadFactory = Optional.of(Objects.requireNonNull(threadFactory, "threadFactory"));
            return this;
        }

        /** The clock for the threads' last-active times; default UTC system clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Names the owner in log lines, e.g. {@code worker host-1}. */
        public Builder owner(String owner) {
            this.owner = Optional.of(Checks.text(owner, "owner"));
            return this;
        }

        /** Builds the loop; nothing starts before {@link PollLoop#start()}. */
        public PollLoop build() {
            Objects.requireNonNull(handler, "handler: PollLoop.builder(...).handler(delivery -> ...)");
            return new PollLoop(this);
        }
    }
}
