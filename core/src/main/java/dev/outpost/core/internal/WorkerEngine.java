package dev.outpost.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.outpost.CollectorException;
import dev.outpost.ErrorInfo;
import dev.outpost.RejectReason;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.core.WorkerStatus;
import dev.outpost.Json;
import dev.outpost.spi.CodecException;
import dev.outpost.spi.CollectorContext;
import dev.outpost.spi.Decoded;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.MessageTooLargeException;
import dev.outpost.spi.Received;
import dev.outpost.spi.Sender;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
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
 */
public final class WorkerEngine {
    private static final Logger log = LoggerFactory.getLogger("dev.outpost.core.Worker");
    private static final long SWEEP_MILLIS = 25;
    private static final int MAX_DETAIL = 1000;

    /** Attribute names on dead-lettered copies. */
    public static final String ATTR_REASON = "outpost-reject-reason";
    public static final String ATTR_DETAIL = "outpost-reject-detail";
    public static final String ATTR_SOURCE = "outpost-source";
    public static final String ATTR_WORKER = "outpost-worker";
    public static final String ATTR_RECEIVE_COUNT = "outpost-receive-count";
    public static final String ATTR_REQUEST_ID = "outpost-request-id";
    public static final String REASON_EXHAUSTED = "attempts-exhausted";

    private final WorkerSettings s;
    private final Semaphore slots;
    private final ThreadPoolExecutor executor;
    private final ScheduledExecutorService timer;
    private final List<Poller> pollers = new ArrayList<>();
    private final Set<InFlight> inFlight = ConcurrentHashMap.newKeySet();
    private final AtomicReference<WorkerStatus.State> state = new AtomicReference<>(WorkerStatus.State.NEW);
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private final LatencyWindow latency = new LatencyWindow(4096);
    private final Map<String, CollectorStats> perCollector = new ConcurrentHashMap<>();
    private final Optional<DedupeCache> dedupe;
    private volatile Instant startedAt = Instant.EPOCH;
    private final AtomicBoolean outage = new AtomicBoolean();

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

    public WorkerEngine(WorkerSettings settings) {
        this.s = settings;
        this.slots = new Semaphore(settings.concurrency());
        ThreadFactory runners = settings.threadFactory().orElse(named("outpost-worker-" + settings.source() + "-", false));
        this.executor = new ThreadPoolExecutor(settings.concurrency(), settings.concurrency(), 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), runners);
        this.timer = Executors.newSingleThreadScheduledExecutor(named("outpost-timer-" + settings.source() + "-", true));
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
        executor.prestartAllCoreThreads();
        timer.scheduleWithFixedDelay(this::sweep, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
        ThreadFactory pollerThreads = named("outpost-poller-" + s.source() + "-", false);
        for (int i = 0; i < s.pollers(); i++) {
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
                while (wanted < 10 && slots.tryAcquire()) {
                    wanted++;
                }
                List<Delivery> got;
                try {
                    got = s.transport().receive(s.source(), wanted, s.pollWait());
                    if (outage.compareAndSet(true, false)) {
                        log.info("worker {}: '{}' reachable again, polling resumed", s.workerId(), s.source());
                    }
                    pause = 50;
                } catch (InterruptedException e) {
                    slots.release(wanted);
                    break;
                } catch (RuntimeException e) {
                    slots.release(wanted);
                    transportErrors.increment();
                    lastError = e.toString();
                    if (state.get() != WorkerStatus.State.RUNNING) {
                        break;
                    }
                    if (outage.compareAndSet(false, true)) {
                        log.warn("worker {}: cannot receive from '{}' ({}); retrying until it answers",
                                s.workerId(), s.source(), e.toString());
                        tell(() -> s.listener().onError("receive from " + s.source(), e));
                    }
                    try {
                        Thread.sleep(pause);
                    } catch (InterruptedException ie) {
                        break;
                    }
                    pause = Math.min(pause * 2, 5_000);
                    continue;
                }
                lastActive = Instant.now();
                if (got.size() < wanted) {
                    slots.release(wanted - got.size());
                }
                for (Delivery d : got) {
                    long now = System.nanoTime();
                    InFlight f = new InFlight(d, now, now + s.visibility().toNanos() / 2);
                    inFlight.add(f);
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
            tell(() -> s.listener().onReceived(d));
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
                reject(f, RejectReason.UNDECODABLE, "codec failed: " + e);
                return;
            }
            Request req = decoded.document();
            f.request = req;
            f.sender = decoded.sender();
            if (req.isExpired(s.clock().instant())) {
                reject(f, RejectReason.EXPIRED, "request " + req.id() + " expired at " + req.expiresAt().orElseThrow());
                return;
            }
            if (dedupe.isPresent() && dedupe.get().contains(req.id())) {
                if (f.claim()) {
                    duplicates.increment();
                    finish(f, d.ack());
                }
                return;
            }
            String name = req.collector();
            CollectorEntry entry = s.collectors().get(name);
            if (name.startsWith("_")) {
                reject(f, RejectReason.PRIVATE_COLLECTOR, "collector '" + name + "' is private: it is never run remotely");
            } else if (entry == null) {
                reject(f, RejectReason.UNKNOWN_COLLECTOR, "no collector named '" + name + "' on worker " + s.workerId());
            } else if (!entry.allowed()) {
                reject(f, RejectReason.DISALLOWED_COLLECTOR, "collector '" + name + "' is not allowed by this worker's configuration");
            } else if (f.sender.isPresent() && !f.sender.get().mayRun(name)) {
                reject(f, RejectReason.UNAUTHORISED, "sender '" + f.sender.get().name() + "' may not run '" + name + "'");
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
            // A bug or an Error: keep the loop alive and let the message come back later.
            log.error("worker {}: unexpected failure handling delivery {}", s.workerId(), d.id(), t);
            tell(() -> s.listener().onError("handling delivery " + d.id(), t));
            if (f.claim()) {
                finish(f, d.retry(s.backoff().delay(2)));
            }
            if (t instanceof Error e && !(t instanceof StackOverflowError)) {
                throw e;
            }
        }
    }

    private void run(InFlight f, CollectorEntry entry, Request req) {
        Delivery d = f.delivery;
        int attempt = Math.max(1, d.receiveCount());
        Instant started = s.clock().instant();
        long t0 = System.nanoTime();
        f.deadlineNanos = t0 + entry.timeout().toNanos();
        String name = req.collector();
        Context ctx = new Context(f, entry, attempt, started.plus(entry.timeout()));
        Object result = null;
        Throwable failure = null;
        f.startCollecting(Thread.currentThread());
        try {
            result = entry.collector().collect(req, ctx);
        } catch (Throwable t) {
            failure = t;
        } finally {
            f.stopCollecting();
            Thread.interrupted();
        }
        long elapsed = System.nanoTime() - t0;
        if (f.timedOut) {
            timedOut.increment();
            failure = new CollectorException("timeout", "collector '" + name + "' ran past its timeout of "
                    + entry.timeout(), true, failure);
        }
        perCollector.computeIfAbsent(name, k -> new CollectorStats()).record(elapsed, failure != null);
        latency.record(elapsed);
        if (failure instanceof Error e && !(failure instanceof StackOverflowError)) {
            throw e;
        }
        if (!f.claim()) {
            return; // handed back at shutdown while it ran: someone else will answer it
        }
        Instant finished = s.clock().instant();
        if (failure == null) {
            JsonNode node;
            try {
                node = result == null ? NullNode.getInstance()
                        : result instanceof JsonNode n ? n : Json.toTree(result);
            } catch (IllegalArgumentException e) {
                failed.increment();
                answer(f, Response.failed(req, ResponseStatus.ERROR, new ErrorInfo("unserialisable-result",
                        "collector '" + name + "' returned a value that is not JSON-serialisable: "
                                + truncate(e.getMessage())), s.workerId(), attempt, started, finished), Optional.empty());
                return;
            }
            succeeded.increment();
            answer(f, Response.ok(req, node, s.workerId(), attempt, started, finished), Optional.empty());
            return;
        }
        boolean retryable = !(failure instanceof CollectorException ce) || ce.isRetryable();
        if (retryable && attempt < entry.maxAttempts()) {
            Duration delay = s.backoff().delay(attempt + 1);
            retried.increment();
            Throwable cause = failure;
            tell(() -> s.listener().onRetry(req, attempt, delay, cause));
            log.debug("worker {}: {} attempt {} of '{}' failed, retrying in {}: {}", s.workerId(), req.id(), attempt,
                    name, delay, failure.toString());
            finish(f, d.retry(delay));
            return;
        }
        failed.increment();
        ErrorInfo error = failure instanceof CollectorException ce
                ? new ErrorInfo(ce.code(), truncate(String.valueOf(ce.getMessage())))
                : new ErrorInfo("collector-failed", truncate(failure.toString()));
        Response response = Response.failed(req, ResponseStatus.ERROR, error, s.workerId(), attempt, started, finished);
        answer(f, response, retryable ? Optional.of(REASON_EXHAUSTED + ": " + error.code() + ": " + error.message()) : Optional.empty());
    }

    /** Publishes the response (if anyone listens), dead-letters a copy if asked, then acks. */
    private void answer(InFlight f, Response response, Optional<String> deadLetterDetail) {
        Delivery d = f.delivery;
        CompletableFuture<Void> published = publish(f, response);
        CompletableFuture<Void> done = published
                .thenCompose(v -> deadLetterDetail.isPresent()
                        ? sendDeadLetter(f, REASON_EXHAUSTED, deadLetterDetail.get())
                        : CompletableFuture.<Void>completedFuture(null))
                .thenCompose(v -> ackThenRelease(f));
        done.whenComplete((v, e) -> {
            if (e != null) {
                onTransportFailure(f, "publishing the response to " + response.requestId(), e);
            } else {
                dedupe.ifPresent(c -> c.add(response.requestId()));
                long nanos = System.nanoTime() - f.receivedNanos;
                tell(() -> s.listener().onCompleted(f.request, response, Duration.ofNanos(nanos)));
            }
            release(f);
        });
    }

    private CompletableFuture<Void> publish(InFlight f, Response response) {
        Optional<String> to = f.request.replyTo().or(s::responses);
        if (to.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        byte[] body;
        try {
            body = s.codec().encodeResponse(response, f.sender);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return s.transport().send(to.get(), Message.of(body, Map.of(ATTR_REQUEST_ID, response.requestId())))
                .exceptionallyCompose(e -> {
                    if (unwrap(e) instanceof MessageTooLargeException tooLarge && response.isOk()) {
                        Response smaller = Response.failed(f.request, ResponseStatus.ERROR, new ErrorInfo("result-too-large",
                                "the result (" + tooLarge.size() + " bytes encoded) is over the transport's limit of "
                                        + tooLarge.limit() + " bytes"), response.worker(), response.attempt(),
                                response.startedAt(), response.finishedAt());
                        return s.transport().send(to.get(), Message.of(s.codec().encodeResponse(smaller, f.sender),
                                Map.of(ATTR_REQUEST_ID, response.requestId())));
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
        tell(() -> s.listener().onRejected(d, reason, detail));
        log.debug("worker {}: rejected delivery {} ({}): {}", s.workerId(), d.id(), reason.code(), detail);
        CompletableFuture<Void> answered = CompletableFuture.completedFuture(null);
        if (reason.answerable() && f.request != null) {
            Instant now = s.clock().instant();
            Response response = Response.failed(f.request, ResponseStatus.REJECTED, new ErrorInfo(reason.code(),
                    truncate(detail)), s.workerId(), Math.max(1, d.receiveCount()), now, now);
            // The refusal reaches the dead-letter queue whether or not the answer could be sent.
            answered = publish(f, response).handle((v, e) -> null);
        }
        answered.thenCompose(v -> sendDeadLetter(f, reason.code(), detail)).thenCompose(v -> ackThenRelease(f))
                .whenComplete((v, e) -> {
                    if (e != null) {
                        onTransportFailure(f, "dead-lettering delivery " + d.id(), e);
                    }
                    release(f);
                });
    }

    private CompletableFuture<Void> sendDeadLetter(InFlight f, String reason, String detail) {
        Delivery d = f.delivery;
        Message copy = d.message()
                .withAttribute(ATTR_REASON, reason)
                .withAttribute(ATTR_DETAIL, truncate(detail))
                .withAttribute(ATTR_SOURCE, d.source())
                .withAttribute(ATTR_WORKER, s.workerId())
                .withAttribute(ATTR_RECEIVE_COUNT, Integer.toString(d.receiveCount()));
        if (f.request != null) {
            copy = copy.withAttribute(ATTR_REQUEST_ID, f.request.id());
        }
        return s.transport().send(s.deadLetter(), copy).thenRun(() -> {
            deadLettered.increment();
            tell(() -> s.listener().onDeadLettered(d, reason));
        });
    }

    /**
     * Acks and frees the slot as soon as the ack is issued: the work is done, so the next message
     * can start while the deletion travels (if it fails, the message just comes back).
     */
    private CompletableFuture<Void> ackThenRelease(InFlight f) {
        CompletableFuture<Void> acked = f.delivery.ack();
        release(f);
        return acked;
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
        log.warn("worker {}: {} failed ({}); the message will come back after its visibility timeout",
                s.workerId(), what, cause.toString());
        tell(() -> s.listener().onError(what, cause));
    }

    private void handBack(InFlight f) {
        if (f.handBack()) {
            handedBack.increment();
            f.delivery.retry(Duration.ZERO).whenComplete((v, e) -> {
                if (e != null) {
                    transportErrors.increment();
                }
            });
            release(f);
        }
    }

    private void release(InFlight f) {
        if (f.released.compareAndSet(false, true)) {
            inFlight.remove(f);
            slots.release();
        }
    }

    // ---------------------------------------------------------------- timeouts and visibility

    private void sweep() {
        try {
            long now = System.nanoTime();
            long visibility = s.visibility().toNanos();
            for (InFlight f : inFlight) {
                if (f.isCollecting() && now - f.deadlineNanos > 0 && !f.timedOut) {
                    f.timeOut();
                }
                // Keep long work invisible, but not past its deadline: a stuck run must not hold a message for ever.
                if (f.state.get() == InFlight.RUNNING && now - f.nextExtendNanos > 0
                        && (f.deadlineNanos == 0 || now - f.deadlineNanos < visibility)) {
                    f.nextExtendNanos = now + visibility / 2;
                    f.delivery.extend(s.visibility()).whenComplete((v, e) -> {
                        if (e != null) {
                            transportErrors.increment();
                        }
                    });
                }
            }
        } catch (Throwable t) {
            log.error("worker {}: timer failed", s.workerId(), t);
        }
    }

    // ---------------------------------------------------------------- shutdown

    public CompletableFuture<Void> shutdown() {
        if (state.compareAndSet(WorkerStatus.State.NEW, WorkerStatus.State.STOPPED)) {
            executor.shutdownNow();
            timer.shutdownNow();
            closeCollectors();
            terminated.complete(null);
            return terminated;
        }
        if (!state.compareAndSet(WorkerStatus.State.RUNNING, WorkerStatus.State.STOPPING)) {
            return terminated;
        }
        Thread stopper = new Thread(this::drain, "outpost-shutdown-" + s.source());
        stopper.setDaemon(true);
        stopper.start();
        return terminated;
    }

    private void drain() {
        try {
            pollers.forEach(p -> p.thread.interrupt());
            long deadline = System.nanoTime() + s.drainTimeout().toNanos();
            for (Poller p : pollers) {
                p.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
            while (!inFlight.isEmpty() && System.nanoTime() - deadline < 0) {
                Thread.sleep(5);
            }
            int unfinished = 0;
            for (InFlight f : inFlight) {
                if (f.state.get() == InFlight.RUNNING) {
                    unfinished++;
                    handBack(f); // claim first, so the interrupted run cannot answer or retry it
                    f.interruptIfCollecting();
                }
            }
            executor.shutdownNow();
            executor.awaitTermination(2, TimeUnit.SECONDS);
            timer.shutdownNow();
            closeCollectors();
            log.info("worker {} stopped: {} unfinished deliveries handed back", s.workerId(), unfinished);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            state.set(WorkerStatus.State.STOPPED);
            terminated.complete(null);
        }
    }

    /** Collectors that hold resources (connection pools, threads) are closed with the worker. */
    private void closeCollectors() {
        for (CollectorEntry e : s.collectors().values()) {
            if (e.collector() instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception ex) {
                    log.warn("worker {}: closing collector '{}' failed", s.workerId(), e.collector().name(), ex);
                }
            }
        }
    }

    public CompletableFuture<Void> terminated() {
        return terminated;
    }

    // ---------------------------------------------------------------- status

    public WorkerStatus status() {
        long[] l = latency.snapshot();
        Map<String, WorkerStatus.CollectorCounters> collectors = new TreeMap<>();
        perCollector.forEach((k, v) -> collectors.put(k, v.snapshot()));
        List<WorkerStatus.ThreadHealth> threads = new ArrayList<>();
        for (Poller p : pollers) {
            threads.add(new WorkerStatus.ThreadHealth(p.thread.getName(), p.thread.isAlive(), p.lastActive, p.lastError));
        }
        OptionalLong depth;
        try {
            depth = s.transport().depth(s.source());
        } catch (RuntimeException e) {
            depth = OptionalLong.empty();
        }
        long now = System.nanoTime();
        List<WorkerStatus.RunningRequest> running = new ArrayList<>();
        for (InFlight f : inFlight) {
            Request r = f.request;
            if (r != null && f.isCollecting()) {
                running.add(new WorkerStatus.RunningRequest(r.id(), r.collector(), f.sender.map(Sender::name).orElse(""),
                        Math.max(1, f.delivery.receiveCount()), (now - f.startedNanos) / 1_000_000, f.progress));
            }
        }
        running.sort((a, b) -> Long.compare(b.runningMillis(), a.runningMillis()));
        return new WorkerStatus(s.workerId(), state.get(), startedAt, s.source(), s.concurrency(), inFlight.size(), depth,
                new WorkerStatus.Counters(received.sum(), succeeded.sum(), failed.sum(), retried.sum(), rejected.sum(),
                        deadLettered.sum(), duplicates.sum(), timedOut.sum(), handedBack.sum(), transportErrors.sum()),
                new WorkerStatus.Latency((int) l[0], millis(l[1]), millis(l[2]), millis(l[3])),
                collectors, running, threads);
    }

    // ---------------------------------------------------------------- helpers

    private void tell(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            log.warn("worker {}: listener failed", s.workerId(), e);
        }
    }

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

    private static ThreadFactory named(String prefix, boolean daemon) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(daemon);
            return t;
        };
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
        volatile boolean timedOut;
        volatile String progress = "";
        volatile long startedNanos;
        private Thread collecting;

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

        synchronized void startCollecting(Thread t) {
            startedNanos = System.nanoTime();
            collecting = t;
        }

        synchronized void stopCollecting() {
            collecting = null;
        }

        synchronized boolean isCollecting() {
            return collecting != null;
        }

        synchronized void timeOut() {
            if (collecting != null) {
                timedOut = true;
                collecting.interrupt();
            }
        }

        synchronized void interruptIfCollecting() {
            if (collecting != null) {
                collecting.interrupt();
            }
        }
    }

    private final class Context implements CollectorContext {
        private final InFlight f;
        private final CollectorEntry entry;
        private final int attempt;
        private final Instant deadline;

        Context(InFlight f, CollectorEntry entry, int attempt, Instant deadline) {
            this.f = f;
            this.entry = entry;
            this.attempt = attempt;
            this.deadline = deadline;
        }

        @Override
        public Instant deadline() {
            return deadline;
        }

        @Override
        public Duration remaining() {
            long left = f.deadlineNanos - System.nanoTime();
            return left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
        }

        @Override
        public Optional<Sender> sender() {
            return f.sender;
        }

        @Override
        public int attempt() {
            return attempt;
        }

        @Override
        public Map<String, String> settings() {
            return entry.settings();
        }

        @Override
        public void progress(String message) {
            f.progress = message == null ? "" : message;
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
