package dev.outpost.core.internal;

import dev.outpost.Attributes;
import dev.outpost.ErrorCodes;
import dev.outpost.ErrorInfo;
import dev.outpost.RejectReason;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.core.audit.AuditEvent;
import dev.outpost.core.lifecycle.Guard;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.MessageTooLargeException;
import dev.outpost.spi.NoSuchDestinationException;
import dev.outpost.spi.Sender;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every way a delivery ends: answered (publish, dead-letter copy if asked, ack), refused
 * (dead-letter, ack), retried, handed back, or given up on after an internal failure. Each path
 * claims the delivery first and frees its slot exactly once.
 */
final class Finisher {
    private static final Logger log = LoggerFactory.getLogger("dev.outpost.Worker");
    private static final int MAX_DETAIL = 1000;

    private final WorkerSettings s;
    private final WorkerCounters counters;
    private final Refusals refusals;
    private final Guard guard;
    private final CollectorRunner runner;
    private final Optional<DedupeCache> dedupe;
    private final Semaphore slots;
    private final SlotSet<InFlight> inFlight;
    private final PendingAnswers pendingAnswers = new PendingAnswers();
    /** Set while this worker's listener runs here: on the transport's thread too, a drain waits for it. */
    private final ThreadLocal<Boolean> listening = new ThreadLocal<>();

    Finisher(WorkerSettings settings, WorkerCounters counters, Refusals refusals, Guard guard, CollectorRunner runner,
            Optional<DedupeCache> dedupe, Semaphore slots, SlotSet<InFlight> inFlight) {
        this.s = settings;
        this.counters = counters;
        this.refusals = refusals;
        this.guard = guard;
        this.runner = runner;
        this.dedupe = dedupe;
        this.slots = slots;
        this.inFlight = inFlight;
    }

    /** When only publishing failed last time, publishes the answer computed then (no recomputing). */
    boolean republishPending(InFlight f) {
        if (pendingAnswers.isEmpty()) {
            return false;
        }
        Optional<PendingAnswers.Answer> pending = pendingAnswers.take(f.delivery.messageId());
        if (pending.isEmpty()) {
            return false;
        }
        PendingAnswers.Answer p = pending.get();
        f.request = p.request();
        f.sender = p.sender();
        deliver(f, p.destination(), p.body(), p.response(), p.deadLetter(), p.succeeded());
        return true;
    }

    /** A redelivery of a request already answered: acked, nothing else. */
    void duplicate(InFlight f) {
        if (f.claim()) {
            counters.duplicates.increment();
            finish(f, acking(f));
        }
    }

    /** Encodes the response, publishes it (if anyone listens), dead-letters a copy if asked, then acks. */
    void answer(InFlight f, Response response, Optional<DeadLetter> deadLetter, boolean succeeded) {
        Optional<String> to = f.request.replyTo().or(s::responses);
        if (to.isEmpty()) {
            deliver(f, Optional.empty(), new byte[0], response, deadLetter, succeeded);
            return;
        }
        byte[] body;
        Response sent = response;
        try {
            body = s.codec().encodeResponse(response, f.sender);
        } catch (RuntimeException e) {
            // a result too deep or otherwise unencodable is answered as an error, not retried
            String incident = runner.incident("response to " + response.requestId() + " cannot be encoded", e);
            sent = Response.failed(f.request, ResponseStatus.ERROR, new ErrorInfo(ErrorCodes.UNENCODABLE_RESULT,
                    "the result cannot be encoded as a response (incident " + incident + ")"), response.worker(),
                    response.attempt(), response.startedAt(), response.finishedAt());
            body = s.codec().encodeResponse(sent, f.sender);
            succeeded = false;
        }
        deliver(f, to, body, sent, deadLetter, succeeded);
    }

    private void deliver(InFlight f, Optional<String> to, byte[] body, Response response, Optional<DeadLetter> deadLetter,
            boolean succeeded) {
        if (s.outbox().isPresent() && to.isPresent()) {
            long seq = s.outbox().get().keep(f.dedupeKey(), to.get(), body);
            if (seq >= 0) {
                deliverKept(f, seq, to.get(), body, response, deadLetter, succeeded);
                return;
            }
        }
        Delivery d = f.delivery;
        // remembered before publishing: a redelivery racing the answer must not run again
        dedupe.ifPresent(c -> c.add(f.dedupeKey()));
        CompletableFuture<Void> published = to.isEmpty() ? DONE : publish(f, to.get(), body, response);
        // Most sends complete at once (in-process transports, batched senders' fast paths): no stage allocated then.
        if (succeededAlready(published)) {
            afterPublish(f, to, body, response, deadLetter, succeeded, null);
        } else {
            published.whenComplete((v, e) -> afterPublish(f, to, body, response, deadLetter, succeeded, e));
        }
    }

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private static boolean succeededAlready(CompletableFuture<?> future) {
        return future.isDone() && !future.isCompletedExceptionally();
    }

    private void afterPublish(InFlight f, Optional<String> to, byte[] body, Response response, Optional<DeadLetter> deadLetter,
            boolean succeeded, Throwable e) {
        Delivery d = f.delivery;
        if (e == null) {
            if (deadLetter.isEmpty()) {
                completed(f, response, succeeded, null);
            } else {
                sendDeadLetter(f, deadLetter.get().reason(), deadLetter.get().detail())
                        .whenComplete((v2, e2) -> completed(f, response, succeeded, e2));
            }
            return;
        }
        Throwable cause = unwrap(e);
        dedupe.ifPresent(c -> c.remove(f.dedupeKey()));
        transportFailure("publishing the response to " + response.requestId() + " on '" + to.orElse("") + "'", cause);
        if (cause instanceof NoSuchDestinationException) {
            deadLetterAndAck(f, RejectReason.UNANSWERABLE, "reply destination '" + truncate(to.orElse(""))
                    + "' does not exist");
        } else if (d.receiveCount() >= s.maxAttempts()) {
            deadLetterAndAck(f, RejectReason.UNANSWERABLE, "the response could not be published to '"
                    + truncate(to.orElse("")) + "' on " + d.receiveCount() + " attempts");
        } else {
            pendingAnswers.put(d.messageId(), new PendingAnswers.Answer(f.request, f.sender, to, body, response,
                    deadLetter, succeeded));
            finish(f, retrying(f, s.backoff().delay(d.receiveCount() + 1)));
        }
    }

    /** Published (and dead-lettered when asked): acked and reported; if the dead-letter copy failed, it comes back. */
    private void completed(InFlight f, Response response, boolean succeeded, Throwable deadLetterFailure) {
        if (deadLetterFailure != null) {
            dedupe.ifPresent(c -> c.remove(f.dedupeKey()));
            transportFailure("dead-lettering " + response.requestId(), deadLetterFailure);
            release(f); // the message comes back and is answered again: at-least-once
            return;
        }
        (succeeded ? counters.succeeded : counters.failed).increment();
        CompletableFuture<Void> ack = acking(f);
        told(f, response);
        finish(f, ack);
    }

    /**
     * The listener and the audit log hear of a completed request before it leaves the in-flight set: a shutdown waits
     * for that set, and an answer published on the transport's thread (SQS) would otherwise let it end, and a daemon
     * close its audit log, before the request's line was recorded.
     */
    private void told(InFlight f, Response response) {
        long nanos = s.ticker().getAsLong() - f.receivedNanos;
        listen("listener onCompleted", () -> s.listener().onCompleted(f.request, response, Duration.ofNanos(nanos)));
        audit(f, response.status().code(), nanos);
    }

    /** Sends the dead-letter copy if asked, acks, tells the listener; the future is the ack's (failed when the copy failed). */
    private CompletableFuture<Void> completed(InFlight f, Response response, Optional<DeadLetter> deadLetter, boolean succeeded) {
        CompletableFuture<Void> dl = deadLetter.isPresent()
                ? sendDeadLetter(f, deadLetter.get().reason(), deadLetter.get().detail())
                : CompletableFuture.completedFuture(null);
        return dl.handle((v2, e2) -> {
            if (e2 != null) {
                dedupe.ifPresent(c -> c.remove(f.dedupeKey()));
                transportFailure("dead-lettering " + response.requestId(), e2);
                release(f); // the message comes back and is answered again: at-least-once
                return CompletableFuture.<Void>failedFuture(e2);
            }
            (succeeded ? counters.succeeded : counters.failed).increment();
            CompletableFuture<Void> ack = acking(f);
            told(f, response);
            finish(f, ack);
            return ack;
        }).thenCompose(x -> x);
    }

    /**
     * The answer is on disk in the result outbox: publish it now; if that fails the outbox publishes
     * it later, and the request is acked either way (its answer is safe, the collector never runs again).
     */
    private void deliverKept(InFlight f, long seq, String to, byte[] body, Response response, Optional<DeadLetter> deadLetter,
            boolean succeeded) {
        ResultOutbox box = s.outbox().get();
        dedupe.ifPresent(c -> c.add(f.dedupeKey()));
        publish(f, to, body, response).whenComplete((v, e) -> {
            if (e != null) {
                transportFailure("publishing the response to " + response.requestId() + " on '" + truncate(to)
                        + "' (kept in the result outbox: published when possible)", e);
            }
            box.published(seq, e == null);
            completed(f, response, deadLetter, succeeded).thenRun(() -> box.acked(seq));
        });
    }

    /** One audit line for {@code f}, when the worker keeps an audit log; never blocks. */
    private void audit(InFlight f, String outcome, long nanos) {
        if (s.audit().isEmpty()) {
            return;
        }
        Request r = f.request;
        Optional<Sender> sender = f.sender;
        guard.run("audit log", () -> s.audit().get().record(new AuditEvent(s.clock().instant(), AuditEvent.REQUEST,
                s.workerId(), r == null ? Optional.empty() : Optional.of(r.id()), sender.map(Sender::name), sender.isPresent(),
                r == null ? Optional.empty() : Optional.of(r.collector()), r == null ? Optional.empty() : Optional.of(r.params()),
                outcome, Duration.ofNanos(Math.max(0, nanos)))));
    }

    private CompletableFuture<Void> publish(InFlight f, String to, byte[] body, Response response) {
        CompletableFuture<Void> sent;
        try {
            sent = s.transport().send(to, Message.of(body));
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        if (succeededAlready(sent)) {
            return sent;
        }
        return sent.exceptionallyCompose(e -> {
            if (unwrap(e) instanceof MessageTooLargeException tooLarge && response.isOk()) {
                Response smaller = Response.failed(f.request, ResponseStatus.ERROR, new ErrorInfo(ErrorCodes.RESULT_TOO_LARGE,
                        "the result (" + tooLarge.size() + " bytes encoded) is over the transport's limit of "
                                + tooLarge.limit() + " bytes"), response.worker(), response.attempt(),
                        response.startedAt(), response.finishedAt());
                return s.transport().send(to, Message.of(s.codec().encodeResponse(smaller, f.sender)));
            }
            return CompletableFuture.failedFuture(e);
        });
    }

    /** Refuses {@code f}: answers the refusal when someone listens and may be told, dead-letters it, acks. */
    void reject(InFlight f, RejectReason reason, String detail) {
        reject(f, reason, detail, reason.answerable(), true);
    }

    /** Refuses {@code f}, answering and dead-lettering only as asked (a request filter's refusal). */
    void reject(InFlight f, RejectReason reason, String detail, boolean answer, boolean deadLetter) {
        if (!f.claim()) {
            return;
        }
        Delivery d = f.delivery;
        counters.rejected.increment();
        if (answer || deadLetter) {
            refusals.record(reason, detail);
        } else {
            refusals.recordQuietly(reason, detail); // a filter's routine silence (not selected): counted, not warned
        }
        listen("listener onRejected", () -> s.listener().onRejected(d, reason, detail));
        audit(f, "rejected:" + reason.code(), s.ticker().getAsLong() - f.receivedNanos);
        CompletableFuture<Void> answered = CompletableFuture.completedFuture(null);
        Optional<String> to = f.request == null ? Optional.empty() : f.request.replyTo().or(s::responses);
        if (answer && to.isPresent() && s.replyAllowed(to.get())) {
            Instant now = s.clock().instant();
            Response response = Response.failed(f.request, ResponseStatus.REJECTED, new ErrorInfo(reason.code(),
                    truncate(detail)), s.workerId(), f.attempt(), now, now);
            try {
                // The refusal reaches the dead-letter queue whether or not the answer could be sent.
                answered = publish(f, to.get(), s.codec().encodeResponse(response, f.sender), response).handle((v, e) -> null);
            } catch (RuntimeException e) {
                runner.incident("the rejection of " + f.request.id() + " cannot be encoded", e);
            }
        }
        if (deadLetter) {
            answered.thenRun(() -> deadLetterAndAck(f, reason, detail));
        } else {
            answered.thenRun(() -> finish(f, acking(f)));
        }
    }

    /** A retryable failure with attempts left: handed back to come again after {@code delay}. */
    void retry(InFlight f, Duration delay) {
        counters.retried.increment();
        finish(f, retrying(f, delay));
    }

    /**
     * Something failed that should not have: a bug, an {@link Error}, a codec or schema library
     * throwing on hostile input. The message comes back after a backoff, and is dead-lettered as
     * {@code internal-error} once it has been received as many times as attempts are allowed.
     */
    void internalFailure(InFlight f, Throwable t) {
        try {
            counters.internalErrors.increment();
            Delivery d = f.delivery;
            String incident = runner.incident("unexpected failure handling delivery " + d.id(), t);
            listen("listener onError", () -> s.listener().onError("handling delivery " + d.id(), t));
            // Claimed already: by shutdown, or by a finish that issued its ack or retry (released), and then
            // nothing is left to do; or by the finish that just threw (a codec's Error, a transport throwing
            // at once), which released nothing: this is its end.
            if (!f.claim() && (f.state.get() != InFlight.FINISHING || f.released.get())) {
                return;
            }
            if (d.receiveCount() >= s.maxAttempts()) {
                deadLetterAndAck(f, RejectReason.INTERNAL_ERROR, "handling failed unexpectedly on every attempt (incident "
                        + incident + " in the worker's log)");
            } else {
                finish(f, retrying(f, s.backoff().delay(Math.max(2, d.receiveCount() + 1))));
            }
        } catch (Throwable again) {
            log.error("worker {}: could not even give up on delivery {}", s.workerId(), f.delivery.id(), again);
            release(f);
        }
    }

    /** Sends the dead-letter copy, then acks; if the copy cannot be sent the message comes back. */
    private void deadLetterAndAck(InFlight f, RejectReason reason, String detail) {
        sendDeadLetter(f, reason, detail).whenComplete((v, e) -> {
            if (e != null) {
                transportFailure("dead-lettering delivery " + f.delivery.id(), e);
                release(f);
                return;
            }
            finish(f, acking(f));
        });
    }

    private CompletableFuture<Void> sendDeadLetter(InFlight f, RejectReason reason, String detail) {
        Delivery d = f.delivery;
        Message copy = d.message()
                .withAttribute(Attributes.REJECT_REASON, reason.code())
                .withAttribute(Attributes.REJECT_DETAIL, truncate(detail))
                .withAttribute(Attributes.SOURCE, d.source())
                .withAttribute(Attributes.WORKER, s.workerId())
                .withAttribute(Attributes.RECEIVE_COUNT, Integer.toString(d.receiveCount()));
        CompletableFuture<Void> sent;
        try {
            sent = s.transport().send(s.deadLetter(), copy);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        return sent.thenRun(() -> {
            // the caller has the error, but only this line tells an operator why the copy is there (refusals have theirs)
            if (reason == RejectReason.ATTEMPTS_EXHAUSTED) {
                log.warn("worker {}: request {} for '{}' failed on its last attempt ({}) and was dead-lettered ({}): {}",
                        s.workerId(), f.request.id(), f.request.collector(), f.attempt(), reason.code(), truncate(detail));
            }
            counters.deadLettered.increment();
            listen("listener onDeadLettered", () -> s.listener().onDeadLettered(d, reason, detail));
        });
    }

    /**
     * {@code f}'s ack as a future: a transport that throws instead of failing the future would else throw inside a
     * completion (after an asynchronous publish), where nothing catches it, and the slot would never be given back.
     */
    private static CompletableFuture<Void> acking(InFlight f) {
        f.settling = true; // before the call: an extension after it would find the message gone
        try {
            return f.delivery.ack();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** {@code f}'s retry as a future, as {@link #acking}. */
    private static CompletableFuture<Void> retrying(InFlight f, Duration delay) {
        f.settling = true; // before the call: an extension landing after it would replace its back-off
        try {
            return f.delivery.retry(delay);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** {@code operation} (an ack or a retry) has been issued: the slot is free; failures are only reported. */
    private void finish(InFlight f, CompletableFuture<Void> operation) {
        release(f);
        if (succeededAlready(operation)) {
            return;
        }
        operation.whenComplete((v, e) -> {
            if (e != null) {
                transportFailure("finishing delivery " + f.delivery.id(), e);
            }
        });
    }

    /** Whether the caller is inside this worker's listener, which a shutdown's drain may be waiting for. */
    boolean inListener() {
        return listening.get() != null;
    }

    private void listen(String what, Runnable call) {
        if (listening.get() != null) {
            guard.run(what, call);
            return;
        }
        listening.set(Boolean.TRUE);
        try {
            guard.run(what, call);
        } finally {
            listening.set(null); // not remove(): the thread's entry is kept, so the next request allocates none
        }
    }

    void transportFailure(String what, Throwable e) {
        counters.transportErrors.increment();
        Throwable cause = unwrap(e);
        log.warn("worker {}: {} failed ({})", s.workerId(), what, cause.toString());
        listen("listener onError", () -> s.listener().onError(what, cause));
    }

    /** Shutdown (or a refused hand-off) gives the delivery back to the queue unfinished. */
    void handBack(InFlight f) {
        if (f.handBack()) {
            counters.handedBack.increment();
            try {
                f.delivery.retry(Duration.ZERO).whenComplete((v, e) -> {
                    if (e != null) {
                        counters.transportErrors.increment();
                    }
                });
            } catch (RuntimeException e) {
                counters.transportErrors.increment();
            }
            release(f);
        }
    }

    private void release(InFlight f) {
        if (f.released.compareAndSet(false, true)) {
            inFlight.remove(f);
            Semaphore p = f.permit;
            (p != null ? p : slots).release();
        }
    }

    static Throwable unwrap(Throwable e) {
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    static String truncate(String s) {
        if (s == null) {
            return "";
        }
        String t = s.length() <= MAX_DETAIL ? s : s.substring(0, MAX_DETAIL) + "…";
        // details quote the sender's text (an id, a key): a newline would forge a log line, ESC drive a terminal
        for (int i = 0; i < t.length(); i++) {
            if (Character.isISOControl(t.charAt(i))) {
                StringBuilder b = new StringBuilder(t.length());
                t.chars().forEach(c -> b.append(Character.isISOControl(c) ? '?' : (char) c));
                return b.toString();
            }
        }
        return t;
    }

    /** A copy of an answered request that also goes to the dead-letter destination. */
    record DeadLetter(RejectReason reason, String detail) {}
}
