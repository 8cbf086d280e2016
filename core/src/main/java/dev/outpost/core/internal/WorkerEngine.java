package dev.outpost.core.internal;

import dev.outpost.Attributes;
import dev.outpost.ErrorCodes;
import dev.outpost.ErrorInfo;
import dev.outpost.RejectReason;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.ShutdownResult;
import dev.outpost.core.WorkerStatus;
import dev.outpost.spi.CodecException;
import dev.outpost.spi.Decoded;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.MessageTooLargeException;
import dev.outpost.spi.NoSuchDestinationException;
import dev.outpost.spi.Received;
import dev.outpost.spi.Sender;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker loop: poll → decode → validate → authorise → run → publish → ack.
 *
 * <p>Each delivery is an {@link InFlight} whose state is claimed exactly once, either by the
 * thread that finishes it (publish + ack, retry, or dead-letter) or by shutdown (hand back), so
 * that nothing is acked after it was handed back and nothing is acked twice.
 *
 * <p>Every path that can fail again on the next delivery of the same message is bounded by the
 * attempt count: a collector's retryable failure, a response that cannot be published, an
 * unexpected failure of the loop itself. Past the bound the message is dead-lettered with a
 * reason and acked.
 */
public final class WorkerEngine {
    private static final Logger log = LoggerFactory.getLogger("dev.outpost.Worker");
    private static final long SWEEP_MILLIS = 25;
    private static final int MAX_DETAIL = 1000;
    /** Answers waiting to be published again are kept up to this many bytes in all. */
    private static final long PENDING_ANSWER_BYTES = 16L * 1024 * 1024;

    private final WorkerSettings s;
    private final OwnedThreads threads;
    private final Semaphore slots;
    private final ThreadPoolExecutor executor;
    private final ScheduledThreadPoolExecutor timer;
    private final Deadlines deadlines;
    private final CollectorRunner runner;
    private final Guard guard;
    private final List<Poller> pollers = new ArrayList<>();
    private final Set<InFlight> inFlight = ConcurrentHashMap.newKeySet();
    private final AtomicReference<WorkerStatus.State> state = new AtomicReference<>(WorkerStatus.State.NEW);
    private final CompletableFuture<ShutdownResult> terminated = new CompletableFuture<>();
    private final LatencyWindow latency = new LatencyWindow(4096);
    private final Map<String, CollectorStats> perCollector = new ConcurrentHashMap<>();
    private final Optional<DedupeCache> dedupe;
    private final PendingAnswers pendingAnswers = new PendingAnswers();
    private volatile Instant startedAt = Instant.EPOCH;
    private final AtomicBoolean outage = new AtomicBoolean();
    /** Each slot's thread receives and handles its own deliveries (see {@link dev.outpost.spi.Transport#receivesLocally()}). */
    private final boolean direct;

    private final LongAdder received = new LongAdder();
    private final LongAdder succeeded = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder retried = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder deadLettered = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder timedOut = new LongAdder();
    private final LongAdder handedBack = new LongAdder();
    private final LongAdder transportErrors = new LongAdder();
    private final LongAdder internalErrors = new LongAdder();

    public WorkerEngine(WorkerSettings settings) {
        this.s = settings;
        this.threads = new OwnedThreads("worker", settings.threadFactory());
        this.slots = new Semaphore(settings.concurrency());
        this.executor = new ThreadPoolExecutor(settings.concurrency(), settings.concurrency(), 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), threads.role("runner"));
        this.timer = new ScheduledThreadPoolExecutor(1, threads.role("timer"));
        this.deadlines = new Deadlines(settings.ticker());
        this.runner = new CollectorRunner("worker " + settings.workerId(), deadlines, settings.ticker());
        this.guard = new Guard("worker " + settings.workerId());
        this.direct = settings.transport().receivesLocally();
        this.dedupe = settings.dedupeWindow() > 0 ? Optional.of(new DedupeCache(settings.dedupeWindow())) : Optional.empty();
    }

    public WorkerSettings settings() {
        return s;
    }

    public void start() {
        if (!state.compareAndSet(WorkerStatus.State.NEW, WorkerStatus.State.RUNNING)) {
            throw new IllegalStateException("worker " + s.workerId() + " was already started");
        }
        startedAt = s.clock().instant();
        timer.scheduleWithFixedDelay(this::sweep, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
        // A receive that costs no network call (an in-process queue) is cheaper than handing a
        // delivery to another thread: then every slot's thread polls for itself, one message at a time.
        int count = direct ? s.concurrency() : s.pollers();
        if (!direct) {
            executor.prestartAllCoreThreads();
        }
        java.util.concurrent.ThreadFactory pollerThreads = threads.role(direct ? "runner" : "poller");
        for (int i = 0; i < count; i++) {
            Poller p = new Poller();
            p.thread = pollerThreads.newThread(p);
            pollers.add(p);
        }
        pollers.forEach(p -> p.thread.start());
        log.info("worker {} polling '{}' with {} slots; collectors {}", s.workerId(), s.source(), s.concurrency(),
                s.collectors().keySet());
    }

    // ---------------------------------------------------------------- polling

    private final class Poller implements Runnable {
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

        private synchronized void receiving(boolean now) {
            receiving = now;
            if (!now && direct) {
                Thread.interrupted(); // an interrupt meant for the receive must not reach the collector
            }
        }

        @Override
        public void run() {
            long pause = 50;
            while (state.get() == WorkerStatus.State.RUNNING) {
                try {
                    slots.acquire();
                } catch (InterruptedException e) {
                    break;
                }
                int wanted = 1;
                while (!direct && wanted < 10 && slots.tryAcquire()) {
                    wanted++;
                }
                List<Delivery> got;
                try {
                    receiving(true);
                    if (state.get() != WorkerStatus.State.RUNNING) {
                        slots.release(wanted);
                        break;
                    }
                    try {
                        got = s.transport().receive(s.source(), wanted, s.pollWait());
                    } finally {
                        receiving(false);
                    }
                    if (outage.compareAndSet(true, false)) {
                        log.info("worker {}: '{}' reachable again, polling resumed", s.workerId(), s.source());
                    }
                    pause = 50;
                } catch (InterruptedException e) {
                    slots.release(wanted);
                    break;
                } catch (Throwable e) { // a transport bug must not kill the poller either
                    slots.release(wanted);
                    transportErrors.increment();
                    lastError = e.toString();
                    if (state.get() != WorkerStatus.State.RUNNING) {
                        break;
                    }
                    if (outage.compareAndSet(false, true)) {
                        log.warn("worker {}: cannot receive from '{}' ({}); retrying until it answers",
                                s.workerId(), s.source(), e.toString());
                        guard.run("listener onError", () -> s.listener().onError("receive from " + s.source(), e));
                    }
                    try {
                        Thread.sleep(pause);
                    } catch (InterruptedException ie) {
                        break;
                    }
                    pause = Math.min(pause * 2, 5_000);
                    continue;
                }
                lastActive = s.clock().instant();
                if (got.size() < wanted) {
                    slots.release(wanted - got.size());
                }
                for (Delivery d : got) {
                    long now = s.ticker().getAsLong();
                    InFlight f = new InFlight(d, now, now + s.visibility().toNanos() / 2);
                    inFlight.add(f);
                    if (direct) {
                        handle(f);
                        continue;
                    }
                    try {
                        executor.execute(() -> handle(f));
                    } catch (RuntimeException rejectedByExecutor) {
                        handBack(f);
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- handling

    private void handle(InFlight f) {
        Delivery d = f.delivery;
        if (state.get() != WorkerStatus.State.RUNNING) {
            handBack(f);
            return;
        }
        try {
            received.increment();
            guard.run("listener onReceived", () -> s.listener().onReceived(d));
            Optional<PendingAnswer> pending = pendingAnswers.take(d.messageId());
            if (pending.isPresent()) {
                // the result was computed before and only publishing failed: publish it, do not recompute
                PendingAnswer p = pending.get();
                f.request = p.request;
                f.sender = p.sender;
                deliver(f, p.destination, p.body, p.response, p.deadLetter, p.succeeded);
                return;
            }
            Message m = d.message();
            if (m.size() > s.maxMessageBytes()) {
                reject(f, RejectReason.OVERSIZE, "message of " + m.size() + " bytes is over the worker's limit of "
                        + s.maxMessageBytes());
                return;
            }
            Decoded<Request> decoded;
            try {
                decoded = s.codec().decodeRequest(m.body(), new Received(d.messageId(), Math.max(1, d.receiveCount())));
            } catch (CodecException e) {
                reject(f, e.reason(), e.getMessage());
                return;
            } catch (RuntimeException e) {
                String incident = runner.incident("the codec failed on delivery " + d.id(), e);
                reject(f, RejectReason.UNDECODABLE, "the codec failed unexpectedly (incident " + incident + ")");
                return;
            }
            Request req = decoded.document();
            f.request = req;
            f.sender = decoded.sender();
            if (req.isExpired(s.clock().instant())) {
                reject(f, RejectReason.EXPIRED, "request " + req.id() + " expired at " + req.expiresAt().orElseThrow());
                return;
            }
            if (dedupe.isPresent() && dedupe.get().contains(dedupeKey(f))) {
                if (f.claim()) {
                    duplicates.increment();
                    finish(f, d.ack());
                }
                return;
            }
            String name = req.collector();
            CollectorEntry entry = s.collectors().get(name);
            Optional<String> replyTo = req.replyTo();
            if (name.startsWith("_")) {
                reject(f, RejectReason.PRIVATE_COLLECTOR, "collector '" + name + "' is private: it is never run remotely");
            } else if (entry == null) {
                reject(f, RejectReason.UNKNOWN_COLLECTOR, "no collector named '" + name + "' on worker " + s.workerId());
            } else if (!entry.allowed()) {
                reject(f, RejectReason.DISALLOWED_COLLECTOR, "collector '" + name + "' is not allowed by this worker's configuration");
            } else if (f.sender.isPresent() && !f.sender.get().mayRun(name)) {
                reject(f, RejectReason.UNAUTHORISED, "sender '" + f.sender.get().name() + "' may not run '" + name + "'");
            } else if (entry.authenticatedOnly() && f.sender.isEmpty()) {
                reject(f, RejectReason.UNAUTHORISED, "collector '" + name + "' answers authenticated senders only (use a sealing codec)");
            } else if (replyTo.isPresent() && !replyAllowed(replyTo.get())) {
                reject(f, RejectReason.REPLY_TO_REFUSED, "replyTo '" + truncate(replyTo.get())
                        + "' is not among the reply destinations this worker may send to");
            } else {
                List<String> violations = entry.schema().violations(req.params());
                if (!violations.isEmpty()) {
                    reject(f, RejectReason.INVALID_PARAMS, "params of '" + name + "' are invalid: "
                            + String.join("; ", violations.subList(0, Math.min(5, violations.size()))));
                } else {
                    run(f, entry, req);
                }
            }
        } catch (Throwable t) {
            internalFailure(f, t);
        }
    }

    /**
     * Something failed that should not have: a bug, an {@link Error}, a codec or schema library
     * throwing on hostile input. The message comes back after a backoff, and is dead-lettered as
     * {@code internal-error} once it has been received as many times as attempts are allowed.
     */
    private void internalFailure(InFlight f, Throwable t) {
        try {
            internalErrors.increment();
            Delivery d = f.delivery;
            String incident = runner.incident("unexpected failure handling delivery " + d.id(), t);
            guard.run("listener onError", () -> s.listener().onError("handling delivery " + d.id(), t));
            if (!f.claim()) {
                return;
            }
            if (d.receiveCount() >= s.maxAttempts()) {
                deadLetterAndAck(f, RejectReason.INTERNAL_ERROR, "handling failed unexpectedly on every attempt (incident "
                        + incident + " in the worker's log)");
            } else {
                finish(f, d.retry(s.backoff().delay(Math.max(2, d.receiveCount() + 1))));
            }
        } catch (Throwable again) {
            log.error("worker {}: could not even give up on delivery {}", s.workerId(), f.delivery.id(), again);
            release(f);
        }
    }

    private void run(InFlight f, CollectorEntry entry, Request req) {
        Delivery d = f.delivery;
        int attempt = Math.max(1, d.receiveCount());
        Instant started = s.clock().instant();
        f.startedNanos = s.ticker().getAsLong();
        f.deadlineNanos = f.startedNanos + entry.timeout().toNanos();
        f.collecting = true;
        CollectorRunner.Outcome outcome;
        try {
            outcome = runner.run(entry, req, f.sender, attempt, started.plus(entry.timeout()), p -> f.progress = p);
        } finally {
            f.collecting = false;
        }
        String name = req.collector();
        long nanos = outcome instanceof CollectorRunner.Ok ok ? ok.nanos() : ((CollectorRunner.Failed) outcome).nanos();
        perCollector.computeIfAbsent(name, k -> new CollectorStats()).record(nanos, outcome instanceof CollectorRunner.Failed);
        latency.record(nanos);
        if (!f.claim()) {
            return; // handed back at shutdown while it ran: someone else will answer it
        }
        Instant finished = s.clock().instant();
        if (outcome instanceof CollectorRunner.Ok ok) {
            answer(f, Response.ok(req, ok.result(), s.workerId(), attempt, started, finished), Optional.empty(), true);
            return;
        }
        CollectorRunner.Failed failure = (CollectorRunner.Failed) outcome;
        if (failure.timedOut()) {
            timedOut.increment();
        }
        if (failure.retryable() && attempt < entry.maxAttempts()) {
            Duration delay = s.backoff().delay(attempt + 1);
            retried.increment();
            guard.run("listener onRetry", () -> s.listener().onRetry(req, attempt, delay, failure.error()));
            log.debug("worker {}: {} attempt {} of '{}' failed, retrying in {}: {}", s.workerId(), req.id(), attempt,
                    name, delay, failure.error());
            finish(f, d.retry(delay));
            return;
        }
        Response response = Response.failed(req, ResponseStatus.ERROR, failure.error(), s.workerId(), attempt, started, finished);
        answer(f, response, failure.retryable()
                ? Optional.of(new DeadLetter(RejectReason.ATTEMPTS_EXHAUSTED, failure.error().code() + ": " + failure.error().message()))
                : Optional.empty(), false);
    }

    private record DeadLetter(RejectReason reason, String detail) {}

    /** Encodes the response, publishes it (if anyone listens), dead-letters a copy if asked, then acks. */
    private void answer(InFlight f, Response response, Optional<DeadLetter> deadLetter, boolean succeeded) {
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
        Delivery d = f.delivery;
        // remembered before publishing: a redelivery racing the answer must not run again
        dedupe.ifPresent(c -> c.add(dedupeKey(f)));
        CompletableFuture<Void> published = to.isEmpty() ? CompletableFuture.completedFuture(null) : publish(f, to.get(), body, response);
        published.whenComplete((v, e) -> {
            if (e == null) {
                CompletableFuture<Void> dl = deadLetter.isPresent()
                        ? sendDeadLetter(f, deadLetter.get().reason(), deadLetter.get().detail())
                        : CompletableFuture.completedFuture(null);
                dl.whenComplete((v2, e2) -> {
                    if (e2 != null) {
                        dedupe.ifPresent(c -> c.remove(dedupeKey(f)));
                        onTransportFailure(f, "dead-lettering " + response.requestId(), e2);
                        release(f); // the message comes back and is answered again: at-least-once
                        return;
                    }
                    (succeeded ? this.succeeded : failed).increment();
                    ackThenRelease(f);
                    long nanos = s.ticker().getAsLong() - f.receivedNanos;
                    guard.run("listener onCompleted", () -> s.listener().onCompleted(f.request, response, Duration.ofNanos(nanos)));
                });
                return;
            }
            Throwable cause = unwrap(e);
            dedupe.ifPresent(c -> c.remove(dedupeKey(f)));
            onTransportFailure(f, "publishing the response to " + response.requestId() + " on '" + to.orElse("") + "'", cause);
            if (cause instanceof NoSuchDestinationException) {
                deadLetterAndAck(f, RejectReason.UNANSWERABLE, "reply destination '" + truncate(to.orElse(""))
                        + "' does not exist");
            } else if (d.receiveCount() >= s.maxAttempts()) {
                deadLetterAndAck(f, RejectReason.UNANSWERABLE, "the response could not be published to '"
                        + truncate(to.orElse("")) + "' on " + d.receiveCount() + " attempts");
            } else {
                pendingAnswers.put(d.messageId(), new PendingAnswer(f.request, f.sender, to, body, response, deadLetter, succeeded));
                finish(f, d.retry(s.backoff().delay(d.receiveCount() + 1)));
            }
        });
    }

    private CompletableFuture<Void> publish(InFlight f, String to, byte[] body, Response response) {
        CompletableFuture<Void> sent;
        try {
            sent = s.transport().send(to, Message.of(body));
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
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

    private void reject(InFlight f, RejectReason reason, String detail) {
        if (!f.claim()) {
            return;
        }
        Delivery d = f.delivery;
        rejected.increment();
        guard.run("listener onRejected", () -> s.listener().onRejected(d, reason, detail));
        log.debug("worker {}: rejected delivery {} ({}): {}", s.workerId(), d.id(), reason.code(), detail);
        CompletableFuture<Void> answered = CompletableFuture.completedFuture(null);
        Optional<String> to = f.request == null ? Optional.empty() : f.request.replyTo().or(s::responses);
        if (reason.answerable() && to.isPresent() && replyAllowed(to.get())) {
            Instant now = s.clock().instant();
            Response response = Response.failed(f.request, ResponseStatus.REJECTED, new ErrorInfo(reason.code(),
                    truncate(detail)), s.workerId(), Math.max(1, d.receiveCount()), now, now);
            try {
                // The refusal reaches the dead-letter queue whether or not the answer could be sent.
                answered = publish(f, to.get(), s.codec().encodeResponse(response, f.sender), response).handle((v, e) -> null);
            } catch (RuntimeException e) {
                runner.incident("the rejection of " + f.request.id() + " cannot be encoded", e);
            }
        }
        answered.thenRun(() -> deadLetterAndAck(f, reason, detail));
    }

    /** Sends the dead-letter copy, then acks; if the copy cannot be sent the message comes back. */
    private void deadLetterAndAck(InFlight f, RejectReason reason, String detail) {
        sendDeadLetter(f, reason, detail).whenComplete((v, e) -> {
            if (e != null) {
                onTransportFailure(f, "dead-lettering delivery " + f.delivery.id(), e);
                release(f);
                return;
            }
            ackThenRelease(f);
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
            deadLettered.increment();
            guard.run("listener onDeadLettered", () -> s.listener().onDeadLettered(d, reason, detail));
        });
    }

    /** Acks and frees the slot as soon as the ack is issued (if the deletion fails, the message just comes back). */
    private void ackThenRelease(InFlight f) {
        finish(f, f.delivery.ack());
    }

    /** {@code operation} (an ack or a retry) has been issued: the slot is free; failures are only reported. */
    private void finish(InFlight f, CompletableFuture<Void> operation) {
        release(f);
        operation.whenComplete((v, e) -> {
            if (e != null) {
                onTransportFailure(f, "finishing delivery " + f.delivery.id(), e);
            }
        });
    }

    private void onTransportFailure(InFlight f, String what, Throwable e) {
        transportErrors.increment();
        Throwable cause = unwrap(e);
        log.warn("worker {}: {} failed ({})", s.workerId(), what, cause.toString());
        guard.run("listener onError", () -> s.listener().onError(what, cause));
    }

    private void handBack(InFlight f) {
        if (f.handBack()) {
            handedBack.increment();
            try {
                f.delivery.retry(Duration.ZERO).whenComplete((v, e) -> {
                    if (e != null) {
                        transportErrors.increment();
                    }
                });
            } catch (RuntimeException e) {
                transportErrors.increment();
            }
            release(f);
        }
    }

    private void release(InFlight f) {
        if (f.released.compareAndSet(false, true)) {
            inFlight.remove(f);
            slots.release();
        }
    }

    private boolean replyAllowed(String destination) {
        return s.responses().map(destination::equals).orElse(false) || Patterns.anyMatches(s.replyToAllow(), destination);
    }

    /** Duplicates are per sender: one sender cannot suppress another's request by reusing its id. */
    private static String dedupeKey(InFlight f) {
        return f.sender.map(Sender::name).orElse("") + '\u0000' + f.request.id();
    }

    // ---------------------------------------------------------------- timeouts and visibility

    private void sweep() {
        try {
            deadlines.sweep();
            long now = s.ticker().getAsLong();
            long visibility = s.visibility().toNanos();
            for (InFlight f : inFlight) {
                // Keep long work invisible, but not past its deadline: a stuck run must not hold a message for ever.
                if (f.state.get() == InFlight.RUNNING && now - f.nextExtendNanos > 0
                        && (f.deadlineNanos == 0 || now - f.deadlineNanos < visibility)) {
                    f.nextExtendNanos = now + visibility / 2;
                    try {
                        f.delivery.extend(s.visibility()).whenComplete((v, e) -> {
                            if (e != null) {
                                transportErrors.increment();
                            }
                        });
                    } catch (RuntimeException e) {
                        transportErrors.increment();
                    }
                }
            }
        } catch (Throwable t) {
            log.error("worker {}: timer failed", s.workerId(), t);
        }
    }

    // ---------------------------------------------------------------- shutdown

    public CompletableFuture<ShutdownResult> shutdown() {
        long t0 = System.nanoTime();
        if (state.compareAndSet(WorkerStatus.State.NEW, WorkerStatus.State.STOPPED)) {
            executor.shutdownNow();
            timer.shutdownNow();
            closeCollectors();
            List<String> alive = threads.awaitTermination(System.nanoTime() + TimeUnit.SECONDS.toNanos(2));
            terminated.complete(new ShutdownResult(alive.isEmpty(), alive, 0, Duration.ofNanos(System.nanoTime() - t0)));
            return terminated;
        }
        if (!state.compareAndSet(WorkerStatus.State.RUNNING, WorkerStatus.State.STOPPING)) {
            return terminated;
        }
        threads.newThread(() -> drain(t0), "shutdown").start();
        return terminated;
    }

    private void drain(long t0) {
        int unfinished = 0;
        List<String> alive = List.of();
        try {
            pollers.forEach(Poller::stopReceiving);
            long deadline = t0 + s.drainTimeout().toNanos();
            for (Poller p : pollers) {
                p.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
            while (!inFlight.isEmpty() && System.nanoTime() - deadline < 0) {
                Thread.sleep(5);
            }
            for (InFlight f : inFlight) {
                if (f.state.get() == InFlight.RUNNING) {
                    unfinished++;
                    handBack(f); // claim first, so the interrupted run cannot answer or retry it
                }
            }
            deadlines.interruptAll();
            executor.shutdownNow();
            timer.shutdownNow();
            // a collector that ignores interrupts keeps its thread: the result says so
            alive = threads.awaitTermination(System.nanoTime() + TimeUnit.SECONDS.toNanos(2));
            closeCollectors();
            log.info("worker {} stopped: {} unfinished deliveries handed back{}", s.workerId(), unfinished,
                    alive.isEmpty() ? "" : "; threads still running: " + alive);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            log.error("worker {}: shutdown failed", s.workerId(), t);
        } finally {
            state.set(WorkerStatus.State.STOPPED);
            terminated.complete(new ShutdownResult(alive.isEmpty(), alive, unfinished, Duration.ofNanos(System.nanoTime() - t0)));
        }
    }

    /** Collectors that hold resources (connection pools, threads) are closed with the worker. */
    private void closeCollectors() {
        for (CollectorEntry e : s.collectors().values()) {
            if (e.collector() instanceof AutoCloseable c) {
                guard.run("closing collector '" + e.collector().name() + "'", () -> {
                    try {
                        c.close();
                    } catch (Exception ex) {
                        throw new CompletionException(ex);
                    }
                });
            }
        }
    }

    public CompletableFuture<ShutdownResult> terminated() {
        return terminated;
    }

    // ---------------------------------------------------------------- status

    public WorkerStatus status() {
        long[] l = latency.snapshot();
        Map<String, WorkerStatus.CollectorCounters> collectors = new TreeMap<>();
        perCollector.forEach((k, v) -> collectors.put(k, v.snapshot()));
        List<WorkerStatus.ThreadHealth> health = new ArrayList<>();
        for (Poller p : pollers) {
            health.add(new WorkerStatus.ThreadHealth(p.thread.getName(), p.thread.isAlive(), p.lastActive, p.lastError));
        }
        OptionalLong depth;
        try {
            depth = s.transport().depth(s.source());
        } catch (RuntimeException e) {
            depth = OptionalLong.empty();
        }
        long now = s.ticker().getAsLong();
        List<WorkerStatus.RunningRequest> running = new ArrayList<>();
        for (InFlight f : inFlight) {
            Request r = f.request;
            if (r != null && f.collecting) {
                running.add(new WorkerStatus.RunningRequest(r.id(), r.collector(), f.sender.map(Sender::name).orElse(""),
                        Math.max(1, f.delivery.receiveCount()), (now - f.startedNanos) / 1_000_000, f.progress));
            }
        }
        running.sort((a, b) -> Long.compare(b.runningMillis(), a.runningMillis()));
        Map<String, String> codecStatus;
        try {
            codecStatus = Map.copyOf(s.codec().status());
        } catch (RuntimeException e) {
            codecStatus = Map.of("error", e.getClass().getSimpleName());
        }
        return new WorkerStatus(s.workerId(), state.get(), startedAt, s.source(), s.concurrency(), inFlight.size(), depth,
                new WorkerStatus.Counters(received.sum(), succeeded.sum(), failed.sum(), retried.sum(), rejected.sum(),
                        deadLettered.sum(), duplicates.sum(), timedOut.sum(), handedBack.sum(), transportErrors.sum(),
                        internalErrors.sum(), guard.failures()),
                new WorkerStatus.Latency((int) l[0], millis(l[1]), millis(l[2]), millis(l[3])),
                collectors, running, health, codecStatus);
    }

    // ---------------------------------------------------------------- helpers

    private static double millis(long nanos) {
        return Math.round(nanos / 1_000.0) / 1_000.0;
    }

    private static Throwable unwrap(Throwable e) {
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    static String truncate(String s) {
        if (s == null) {
            return "";
        }
        return s.length() <= MAX_DETAIL ? s : s.substring(0, MAX_DETAIL) + "…";
    }

    /** One delivery's life in this worker. */
    static final class InFlight {
        static final int RUNNING = 0;
        static final int FINISHING = 1;
        static final int HANDED_BACK = 2;

        final Delivery delivery;
        final long receivedNanos;
        final AtomicInteger state = new AtomicInteger(RUNNING);
        final AtomicBoolean released = new AtomicBoolean();
        volatile Request request;
        volatile Optional<Sender> sender = Optional.empty();
        volatile long deadlineNanos;
        volatile long nextExtendNanos;
        volatile boolean collecting;
        volatile String progress = "";
        volatile long startedNanos;

        InFlight(Delivery delivery, long receivedNanos, long firstExtendNanos) {
            this.delivery = delivery;
            this.receivedNanos = receivedNanos;
            this.nextExtendNanos = firstExtendNanos;
        }

        boolean claim() {
            return state.compareAndSet(RUNNING, FINISHING);
        }

        boolean handBack() {
            return state.compareAndSet(RUNNING, HANDED_BACK);
        }
    }

    /** A computed answer whose publishing failed, kept for the message's next delivery. */
    private record PendingAnswer(Request request, Optional<Sender> sender, Optional<String> destination, byte[] body,
            Response response, Optional<DeadLetter> deadLetter, boolean succeeded) {}

    /** Answers waiting for a redelivery, bounded in bytes; the oldest go first (they are then recomputed). */
    private static final class PendingAnswers {
        private final LinkedHashMap<String, PendingAnswer> byMessage = new LinkedHashMap<>();
        private long bytes;

        synchronized void put(String messageId, PendingAnswer a) {
            PendingAnswer old = byMessage.put(messageId, a);
            bytes += a.body().length - (old == null ? 0 : old.body().length);
            var it = byMessage.values().iterator();
            while (bytes > PENDING_ANSWER_BYTES && it.hasNext()) {
                bytes -= it.next().body().length;
                it.remove();
            }
        }

        synchronized Optional<PendingAnswer> take(String messageId) {
            if (byMessage.isEmpty()) {
                return Optional.empty();
            }
            PendingAnswer a = byMessage.remove(messageId);
            if (a != null) {
                bytes -= a.body().length;
            }
            return Optional.ofNullable(a);
        }
    }

    private static final class CollectorStats {
        final LongAdder runs = new LongAdder();
        final LongAdder failures = new LongAdder();
        final LongAdder nanos = new LongAdder();

        void record(long elapsed, boolean failure) {
            runs.increment();
            nanos.add(elapsed);
            if (failure) {
                failures.increment();
            }
        }

        WorkerStatus.CollectorCounters snapshot() {
            return new WorkerStatus.CollectorCounters(runs.sum(), failures.sum(), millis(nanos.sum()));
        }
    }
}
