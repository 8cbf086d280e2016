package dev.outpost.sqs.internal;

import dev.outpost.ShutdownResult;
import dev.outpost.spi.TransportException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transport's lifecycle: an optional {@code start()} (sends and receives work without it), and
 * one shutdown (same future every call) that waits for abandoned polls and releases what they
 * received, waits for sends still on their way to a batch, sends what waits in the batches, stops the batching thread and closes the clients the
 * transport created. The work runs on a thread from the builder's factory, or on the caller's
 * thread when the transport never made a thread (nothing to wait for is then the common case).
 */
public final class Closing {
    private static final Logger log = LoggerFactory.getLogger(Closing.class);
    private static final long BATCH_WAIT_MILLIS = 5_000;

    private final Receiver receiver;
    private final Sending sending;
    private final List<Batcher<?>> batchers;
    private final LazyTimer timer;
    private final ThreadFactory threads;
    private final List<AutoCloseable> owned;
    private final long pollWaitMillis;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CompletableFuture<ShutdownResult> done = new CompletableFuture<>();
    /**
     * Sends hold it shared from their open check until they are on their way (tracked, or in a batch); the shutdown
     * takes it to begin, so it never looks for work to wait for while a send it did not refuse is still to be seen.
     */
    private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock();

    public Closing(Receiver receiver, Sending sending, List<Batcher<?>> batchers, LazyTimer timer, ThreadFactory threads,
            List<AutoCloseable> owned, long pollWaitMillis) {
        this.receiver = receiver;
        this.sending = sending;
        this.batchers = batchers;
        this.timer = timer;
        this.threads = threads;
        this.owned = owned;
        this.pollWaitMillis = pollWaitMillis;
    }

    /** The threads of a transport built without a factory: daemons named {@code outpost-sqs-N}. */
    public static ThreadFactory defaultThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "outpost-sqs-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Waits for each of {@code calls} (their outcome is theirs to report) until {@code timeoutMillis} have passed;
     * false when one was still open then, or the wait was interrupted (the interrupt is kept). A call that has
     * ended counts as ended whenever it is looked at, even after the time ran out.
     */
    public static boolean awaitAll(List<? extends CompletableFuture<?>> calls, long timeoutMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        for (CompletableFuture<?> f : calls) {
            try {
                f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (TimeoutException e) {
                return false;
            } catch (ExecutionException | CancellationException e) {
                // the call's own future carries the failure
            }
        }
        return true;
    }

    /**
     * Closes each of {@code owned}, the clients the transport made. Whatever one throws (an Error too, as every other
     * call into the SDK in this module is guarded) is logged and the rest are still closed: their threads and
     * connections would otherwise outlive the transport.
     */
    static void closeOwned(List<AutoCloseable> owned) {
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Throwable e) {
                log.warn("closing a client the SQS transport made failed; closing the others", e);
            }
        }
    }

    /** Waits for {@code done} (a close), keeping the caller's interrupt for after. */
    public static void awaitUninterruptibly(CompletableFuture<ShutdownResult> done) {
        boolean interrupted = false;
        while (true) {
            try {
                done.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException e) {
                break; // a shutdown completes normally; nothing else to report
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Marks the transport started and makes its batching thread now. */
    public void start(String owner) {
        if (closing.get() || !started.compareAndSet(false, true)) {
            throw new IllegalStateException(owner + (closing.get() ? " was shut down" : " was already started"));
        }
        timer.start();
    }

    public boolean isClosing() {
        return closing.get();
    }

    /**
     * Runs {@code send} unless the transport is closing; a shutdown begun meanwhile waits for it to be on its way.
     *
     * @throws TransportException when the transport is closing
     */
    public <T> T whileOpen(String destination, Supplier<T> send) {
        Lock shared = gate.readLock();
        shared.lock();
        try {
            if (closing.get()) {
                throw new TransportException(destination, "SQS transport is closed");
            }
            return send.get();
        } finally {
            shared.unlock();
        }
    }

    /** Sets closing; first true. Waits for sends past their open check, but for one on this thread (a callback's). */
    private boolean beginClosing() {
        if (gate.getReadHoldCount() > 0) {
            return closing.compareAndSet(false, true);
        }
        Lock exclusive = gate.writeLock();
        exclusive.lock();
        try {
            return closing.compareAndSet(false, true);
        } finally {
            exclusive.unlock();
        }
    }

    /** The one shutdown: begun by the first call, the same future for every call. */
    public CompletableFuture<ShutdownResult> shutdown() {
        if (!beginClosing()) {
            return done;
        }
        long t0 = System.nanoTime();
        // batch calls too: without linger they go out on their callers' threads, the batching thread never made
        if (!timer.isStarted() && !receiver.hasOpenPolls() && !sending.hasSendsOnTheirWay()
                && batchers.stream().noneMatch(Batcher::hasInFlight)) {
            done.complete(close(t0)); // nothing to wait for: no thread made for it
            return done;
        }
        Thread t;
        try {
            t = threads.newThread(() -> done.complete(close(t0)));
            if (t != null) {
                t.start();
                return done;
            }
        } catch (RuntimeException | Error e) { // the factory is the user's, and a thread may not start (out of memory)
            log.warn("no thread to close the SQS transport on; closing on the caller's: {}", e.toString());
        }
        done.complete(close(t0)); // never a shutdown that does not end, nor clients left open
        return done;
    }

    private ShutdownResult close(long t0) {
        boolean clean = true;
        int released = 0;
        List<String> alive = new ArrayList<>();
        try {
            Receiver.Released r = receiver.awaitPolls(pollWaitMillis);
            clean = r.allEnded();
            released = r.messages();
            // sends made before the shutdown still uploading to S3 or looking up their queue: into their batches first
            clean &= sending.awaitSendsOnTheirWay(BATCH_WAIT_MILLIS);
            batchers.forEach(Batcher::flushAll);
            timer.close(BATCH_WAIT_MILLIS).ifPresent(alive::add);
            batchers.forEach(Batcher::flushAll); // what a last timer run may have queued
            long deadline = System.currentTimeMillis() + BATCH_WAIT_MILLIS;
            for (Batcher<?> b : batchers) {
                clean &= b.awaitInFlight(Math.max(0, deadline - System.currentTimeMillis()));
            }
        } catch (Throwable e) { // closing goes on: the clients below are still closed
            log.error("closing the SQS transport failed", e);
            clean = false;
        }
        closeOwned(owned);
        return new ShutdownResult(clean && alive.isEmpty(), alive, released, Duration.ofNanos(System.nanoTime() - t0));
    }
}
