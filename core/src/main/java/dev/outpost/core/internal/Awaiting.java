package dev.outpost.core.internal;

import dev.outpost.OutpostException;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.CallTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What a client awaits answers for: each call and broadcast from its registration until it is answered, times out,
 * is cancelled or the client stops, and then no longer. The reply path ({@link ReplyRouter}) completes them; this
 * registers them, times them out and fails them.
 */
public final class Awaiting {
    private final ReplyRouter replies;
    private final RequestSender sender;
    private final Executor callbacks;
    private final String replyTo;
    private final Supplier<Optional<String>> receiveFailure;
    private final Map<String, CallbackFuture<Response>> calls;
    private final Map<String, Gathering> broadcasts;
    private final Expiries expiries;
    /** Between the caller's running check and the registration: tests pause there. */
    public volatile Runnable beforeRegistering = () -> { };

    /**
     * @param receiveFailure why the reply destination cannot be read now, for a timeout's message
     * @param ticker the clock of timeouts and deadlines
     */
    public Awaiting(ReplyRouter replies, RequestSender sender, Executor callbacks, String replyTo,
            Supplier<Optional<String>> receiveFailure, LongSupplier ticker) {
        this.replies = replies;
        this.sender = sender;
        this.callbacks = callbacks;
        this.replyTo = replyTo;
        this.receiveFailure = receiveFailure;
        this.calls = replies.calls();
        this.broadcasts = replies.broadcasts();
        this.expiries = new Expiries(ticker);
    }

    /**
     * Registers {@code r} as awaiting its answer for {@code timeout}, then sends it to {@code destination}.
     *
     * @param stillRunning throws when the client stopped since the caller checked: what the stop failed did not
     *     include this call, which is then unregistered
     */
    public CompletableFuture<Response> call(String destination, Request r, Duration timeout, Runnable stillRunning) {
        CallbackFuture<Response> future = new CallbackFuture<>(callbacks);
        beforeRegistering.run();
        if (calls.putIfAbsent(r.id(), future) != null) {
            throw new IllegalArgumentException("request " + r.id() + " is already waiting for its response");
        }
        replies.claim(r.id());
        unregisterUnless(stillRunning, () -> calls.remove(r.id(), future));
        Expiries.Expiry expiry = expiries.add(Expiries.nanos(timeout), () -> {
            if (calls.remove(r.id(), future)) {
                future.completeExceptionally(new CallTimeoutException(r.id(), r.collector(), timeout, destination, replyTo,
                        receiveFailure.get()));
            }
        });
        future.onDone(() -> { // answered, cancelled or orTimeout'd: no longer pending, and nothing here holds it
            calls.remove(r.id(), future);
            expiry.cancel();
            replies.claim(r.id()); // a late answer is still this client's
        });
        sender.transmit(destination, r).whenComplete((v, e) -> {
            if (e != null && calls.remove(r.id(), future)) {
                future.completeExceptionally(e);
            }
        });
        return future;
    }

    /** Registers {@code r} as gathering up to {@code expected} answers until {@code deadline}, then sends it to {@code topic}. */
    public CompletableFuture<List<Response>> broadcast(String topic, Request r, int expected, Duration deadline,
            Runnable stillRunning) {
        Gathering g = new Gathering(expected, new CallbackFuture<>(callbacks));
        beforeRegistering.run();
        if (broadcasts.putIfAbsent(r.id(), g) != null) {
            // a replaced gathering would never complete, not even at shutdown
            throw new IllegalArgumentException("request " + r.id() + " is already gathering its responses");
        }
        replies.claim(r.id());
        unregisterUnless(stillRunning, () -> broadcasts.remove(r.id(), g));
        // this broadcast's deadline: a later broadcast of the same request has its own
        Expiries.Expiry expiry = expiries.add(Expiries.nanos(deadline), () -> replies.finishBroadcast(r.id(), g));
        g.future().onDone(() -> {
            broadcasts.remove(r.id(), g);
            expiry.cancel();
            replies.claim(r.id());
        });
        sender.transmit(topic, r).whenComplete((v, e) -> {
            if (e != null && broadcasts.remove(r.id(), g)) {
                g.future().completeExceptionally(e);
            }
        });
        return g.future();
    }

    private static void unregisterUnless(Runnable stillRunning, Runnable unregister) {
        try {
            stillRunning.run();
        } catch (RuntimeException stopped) {
            unregister.run();
            throw stopped;
        }
    }

    /** Times out what is due; the client's timer calls it. */
    public void sweep() {
        expiries.sweep();
    }

    /** Calls and broadcasts waiting now. */
    public int size() {
        return calls.size() + broadcasts.size();
    }

    /** Fails every pending call with {@code closed} and completes every broadcast with what it gathered. */
    public void stop(OutpostException closed) {
        List.copyOf(calls.values()).forEach(f -> f.completeExceptionally(closed)); // each leaves the map as it completes
        List.copyOf(broadcasts.entrySet()).forEach(e -> replies.finishBroadcast(e.getKey(), e.getValue()));
    }
}
