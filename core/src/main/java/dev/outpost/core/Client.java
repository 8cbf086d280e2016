package dev.outpost.core;

import dev.outpost.ConfigException;
import dev.outpost.Ids;
import dev.outpost.OutpostException;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ShutdownResult;
import dev.outpost.core.internal.Awaiting;
import dev.outpost.core.internal.CallbackPool;
import dev.outpost.core.internal.Checks;
import dev.outpost.core.internal.ReplyClaims;
import dev.outpost.core.internal.ReplyRouter;
import dev.outpost.core.internal.RequestSender;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.core.lifecycle.Guard;
import dev.outpost.core.lifecycle.OwnedThreads;
import dev.outpost.spi.Codec;
import dev.outpost.spi.ConfigSource;
import dev.outpost.spi.Decoded;
import dev.outpost.spi.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends requests and correlates the responses that come back on the client's own reply
 * destination.
 *
 * <pre>{@code
 * try (Client client = Client.builder(transport).build().start()) {
 *     Response r = client.call(Request.builder("outpost.ping").build(), Duration.ofSeconds(5)).join();
 * }
 * }</pre>
 *
 * <p>{@link #start()} checks that the reply destination exists and starts threads that poll it ({@link PollLoop};
 * {@linkplain Builder#pollers see there}; on a transport that {@linkplain Transport#push pushes}, as the in-memory one,
 * answers are routed by the thread that sends them) and one that times calls out. None ever runs application code: continuations
 * of the returned futures ({@code thenApply}, {@code whenComplete}…) and response listeners run on the
 * {@linkplain Builder#callbackExecutor callback executor}. A call cancelled or given up on ({@code orTimeout}) stops
 * being pending at once.
 *
 * <p>A response that matches no pending call or broadcast (a fire-and-forget {@link #send}, or one that arrived after
 * its call timed out or was cancelled) goes to the {@linkplain Builder#onResponse listeners}. The answers of one
 * receive are acknowledged together ({@link Transport#ackBatch}). Clients that read one reply destination together
 * (several processes of a command line, say) each take every answer they receive, others' too, unless
 * {@linkplain Builder#sharedReplyTo shared}.
 */
public final class Client implements AutoCloseable {
    /** Default reply destination prefix; a fresh suffix is added per client. */
    public static final String DEFAULT_REPLY_PREFIX = "outpost-client-";
    private static final Logger log = LoggerFactory.getLogger(Client.class);
    private static final long SWEEP_MILLIS = 10;

    /** Threads of the default callback pool. */
    static final int DEFAULT_CALLBACK_THREADS = 2;
    /** Default reply pollers on a network transport: one receive at a time brings 10 answers a round trip. */
    public static final int REPLY_POLLERS = 4;

    private enum State { NEW, RUNNING, STOPPED }

    private final Transport transport;
    private final Codec codec;
    private final String requests;
    private final String replyTo;
    private final Duration pollWait;
    private final Executor callbacks;
    /** The default callback pool, which the client owns and stops; empty when the caller gave an executor. */
    private final Optional<CallbackPool> ownPool;
    private final OwnedThreads threads;
    private final Guard guard;
    private final ReplyRouter replies;
    private final RequestSender sender;
    final Awaiting awaiting; // package-private: tests pause its registrations
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final CompletableFuture<ShutdownResult> terminated = new CompletableFuture<>();
    private final PollLoop loop;
    /** Made with the client, its thread only at start(): a shutdown racing start() always finds it to stop. */
    private final ScheduledThreadPoolExecutor timer;

    private Client(Builder b, String requests, String replyTo, Duration pollWait, boolean shared) {
        this.transport = b.transport;
        this.codec = b.codec == null ? JsonCodec.create() : b.codec;
        this.requests = requests;
        this.replyTo = replyTo;
        this.pollWait = pollWait;
        this.threads = new OwnedThreads("client", b.threadFactory);
        this.guard = new Guard("client " + replyTo);
        this.timer = new ScheduledThreadPoolExecutor(1, threads.role("timer"));
        if (b.callbackExecutor.isPresent()) {
            this.callbacks = b.callbackExecutor.get();
            this.ownPool = Optional.empty();
        } else {
            CallbackPool pool = new CallbackPool(DEFAULT_CALLBACK_THREADS, threads.role("callback"));
            this.callbacks = pool;
            this.ownPool = Optional.of(pool);
        }
        this.replies = new ReplyRouter(transport, codec, replyTo, callbacks, guard, b.listeners, b.receiveLinger.toNanos(),
                shared ? Optional.of(new ReplyClaims(b.ticker)) : Optional.empty());
        this.sender = new RequestSender(transport, codec, replyTo);
        this.loop = PollLoop.builder(transport, replyTo)
                .owner("client on '" + replyTo + "'")
                .maxBatch(10).pollWait(pollWait)
                .threads(b.pollers > 0 ? b.pollers : transport.receivesLocally() ? 1 : REPLY_POLLERS).standby(true)
                .threadFactory(threads.role("poller"))
                .handler(replies::handle)
                .onBatchEnd(replies::endOfBatch)
                .build();
        this.awaiting = new Awaiting(replies, sender, callbacks, replyTo, loop::receiveFailure, b.ticker);
    }

    /** A builder for a client sending through {@code transport}. */
    public static Builder builder(Transport transport) {
        return new Builder(transport);
    }

    /**
     * Checks the reply destination and starts polling it.
     *
     * @return this client
     * @throws dev.outpost.spi.NoSuchDestinationException when the reply destination does not exist
     *     (on SQS, provision it first: see {@code transport-sqs/README.md})
     * @throws IllegalStateException when it was started or shut down before
     */
    public Client start() {
        if (state.get() == State.NEW) { // a started or closed client is refused below without a (network) check
            transport.verify(replyTo);
        }
        if (!state.compareAndSet(State.NEW, State.RUNNING)) {
            throw new IllegalStateException("client on '" + replyTo + "' was already "
                    + (state.get() == State.STOPPED ? "shut down: build a new one" : "started"));
        }
        try {
            timer.scheduleWithFixedDelay(this::expire, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopped) { // shut down since the check above
            ensureRunning();
        }
        ownPool.ifPresent(CallbackPool::start);
        loop.start();
        replies.takePushes(() -> state.get() == State.RUNNING);
        return this;
    }

    /** The destination responses to this client's requests come back to. */
    public String replyTo() {
        return replyTo;
    }

    /**
     * Sends {@code request} to the requests destination and waits for its response.
     *
     * <p>The request's {@code replyTo} is set to this client's reply destination (replacing any other), and, when it
     * has none, its ttl to {@code timeout}, counted from now: a worker will not start it after the caller gave up.
     *
     * @return completes with the response, whatever its status (check {@link Response#isOk()}); exceptionally with
     *     {@link CallTimeoutException} when none arrives in time, {@link dev.outpost.spi.TransportException} when unsent
     * @throws IllegalStateException when the client is not running
     */
    public CompletableFuture<Response> call(Request request, Duration timeout) {
        return call(requests, request, timeout);
    }

    /** {@link #call(Request, Duration)} to another destination (a queue or a topic). */
    public CompletableFuture<Response> call(String destination, Request request, Duration timeout) {
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(request, "request");
        requirePositive(timeout);
        ensureRunning();
        return awaiting.call(destination, sender.prepare(request, timeout), timeout, this::ensureRunning);
    }

    /**
     * Sends {@code request} without waiting; its response (if the request names a reply
     * destination, this client's by default) reaches the listeners.
     *
     * @return completes when the transport accepted the request
     */
    public CompletableFuture<Void> send(Request request) {
        return send(requests, request);
    }

    /**
     * {@link #send(Request)} to another destination (a queue or a topic): the answers of every
     * worker that reads it reach the listeners.
     *
     * @return completes when the transport accepted the request
     */
    public CompletableFuture<Void> send(String destination, Request request) {
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(request, "request");
        ensureRunning();
        replies.claim(request.id());
        return sender.transmit(destination, request.replyTo().isPresent() ? request : request.withReplyTo(replyTo));
    }

    /**
     * Sends {@code request} to a topic read by many workers and gathers their responses (one per
     * worker) until {@code expected} have arrived or {@code deadline} has passed, whichever first.
     *
     * @return completes with the responses gathered (possibly none) — never exceptionally for
     *     lack of responses; exceptionally when the request cannot be sent
     * @throws IllegalArgumentException when this request is still gathering responses from an earlier broadcast
     */
    public CompletableFuture<List<Response>> broadcast(String topic, Request request, int expected, Duration deadline) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(request, "request");
        if (expected < 1) {
            throw new IllegalArgumentException("expected must be at least 1, was " + expected);
        }
        requirePositive(deadline);
        ensureRunning();
        return awaiting.broadcast(topic, sender.prepare(request, deadline), expected, deadline, this::ensureRunning);
    }

    /** Adds a listener for responses that match no pending call or broadcast; it runs on the callback executor. */
    public void onResponse(Consumer<Response> listener) {
        Objects.requireNonNull(listener, "listener");
        replies.addListener(d -> listener.accept(d.document()));
    }

    /** Calls and broadcasts waiting for responses now. */
    public int pending() {
        return awaiting.size();
    }

    /**
     * Why the reply destination cannot be read now (the transport unreachable: answers may be waiting there), or empty
     * while receives work. What a {@link CallTimeoutException#replyFailure()} says, for a caller gathering answers
     * some other way ({@link #send} and the listeners), to tell "no one answered" from "no answer could be heard".
     */
    public Optional<String> replyFailure() {
        return loop.receiveFailure();
    }

    /** Responses that arrived but could not be decoded (logged and dropped). */
    public long undecodableResponses() {
        return replies.undecodable();
    }

    /**
     * Times this client handed back an answer to a request it did not send, for another client reading its
     * {@linkplain Builder#sharedReplyTo shared} reply destination; 0 when not shared.
     */
    public long handedBackResponses() {
        return replies.handedBack();
    }

    /**
     * Stops polling; pending calls complete exceptionally with an {@link OutpostException},
     * broadcasts with what they gathered. Does not block: the future completes once the poller
     * has ended its receive and the default callback pool has run what was queued (at most 5 s).
     * Idempotent: every call returns the same future.
     */
    public CompletableFuture<ShutdownResult> shutdown() {
        State was = state.getAndSet(State.STOPPED);
        if (was == State.STOPPED) {
            return terminated;
        }
        long t0 = System.nanoTime();
        replies.stopPushes();
        loop.shutdown();
        timer.shutdownNow();
        OutpostException closed = new OutpostException("client on '" + replyTo + "' closed before the response arrived");
        awaiting.stop(closed);
        ownPool.ifPresent(CallbackPool::shutdown);
        if (was == State.NEW) {
            terminated.complete(new ShutdownResult(true, List.of(), 0, Duration.ofNanos(System.nanoTime() - t0)));
            return terminated;
        }
        dev.outpost.core.internal.ShutdownThread.start(threads, () -> {
            List<String> alive = threads.awaitTermination(System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
            terminated.complete(new ShutdownResult(alive.isEmpty(), alive, 0, Duration.ofNanos(System.nanoTime() - t0)));
        });
        return terminated;
    }

    /** {@link #shutdown()} and wait for it; on one of the client's own threads (a callback, a listener), no wait. */
    @Override
    public void close() {
        CompletableFuture<ShutdownResult> done = shutdown();
        if (threads.owns(Thread.currentThread())) { // the shutdown waits for this thread, which cannot wait for it
            return;
        }
        ShutdownResult r = done.join();
        if (!r.clean()) {
            log.warn("client on '{}' closed, but these threads were still running: {}", replyTo, r.threadsStillAlive());
        }
    }

    private void expire() {
        try {
            awaiting.sweep();
        } catch (Throwable t) {
            log.error("client on '{}': timer failed", replyTo, t);
        }
    }

    private void ensureRunning() {
        State s = state.get();
        if (s != State.RUNNING) {
            throw new IllegalStateException(s == State.NEW
                    ? "client on '" + replyTo + "' is not started: Client.builder(transport).build().start()"
                    : "client on '" + replyTo + "' is closed");
        }
    }

    private static void requirePositive(Duration d) {
        Objects.requireNonNull(d, "timeout");
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, was " + d);
        }
    }

    /**
     * Builds a {@link Client}. Values set by a method win over {@link #configure configuration};
     * everything is copied at {@link #build()}. Not thread-safe.
     */
    public static final class Builder {
        private final Transport transport;
        private Codec codec;
        private String requests;
        private String replyTo;
        private Duration pollWait;
        private Duration receiveLinger = Duration.ZERO;
        private Boolean sharedReplyTo;
        private int pollers; // 0: by the transport
        private Optional<Executor> callbackExecutor = Optional.empty();
        private LongSupplier ticker = System::nanoTime;
        private Optional<ThreadFactory> threadFactory = Optional.empty();
        private final List<Consumer<Decoded<Response>>> listeners = new ArrayList<>();
        private Optional<ConfigSource> config = Optional.empty();

        private Builder(Transport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
        }

        /** The codec; by default {@link JsonCodec#create()}. Must match the workers'. */
        public Builder codec(Codec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /** Where {@link Client#call(Request, Duration)} sends; default {@value Worker#DEFAULT_REQUESTS}. */
        public Builder requests(String destination) {
            this.requests = Checks.text(destination, "requests");
            return this;
        }

        /**
         * This client's own reply destination; by default a fresh {@code outpost-client-…} name
         * (fine for transports that create queues on demand; on SQS name a queue you provisioned).
         * Workers must be allowed to send to it ({@code outpost.worker.reply-to.allow}).
         */
        public Builder replyTo(String destination) {
            this.replyTo = Checks.text(destination, "replyTo");
            return this;
        }

        /**
         * Whether other clients read the same reply destination (several runs of a command line at once, say); default
         * false. A shared client takes only the answers to requests it sent in the last five minutes or so (and to its
         * calls and broadcasts still waiting), and only they reach its listeners. Any other answer it hands back for the
         * others, and so one its codec refuses as sealed to another key, or as opened before (a client sharing its key
         * handed it back already): at once for the first ten receives of it, then after a growing delay, until the
         * answer was received 100 times (about a minute and a half), when it is dropped as no one's with a
         * warning. Costs a visibility change per hand-back. Unshared, a client takes every answer it receives: what
         * matches no call of its own goes to its listeners, so it may read answers to requests other processes sent
         * ({@code replyTo} naming it).
         */
        public Builder sharedReplyTo(boolean shared) {
            this.sharedReplyTo = shared;
            return this;
        }

        /** How long one receive on the reply destination waits; default 20 s. */
        public Builder pollWait(Duration wait) {
            this.pollWait = Checks.nonNegative(wait, "pollWait");
            return this;
        }

        /**
         * Threads that read the reply destination; default 1 in-process, {@value #REPLY_POLLERS} on a network
         * transport (one has a receive open while no answers come, all once a receive brings all it asked for).
         */
        public Builder pollers(int pollers) {
            this.pollers = Checks.range(pollers, 1, 64, "pollers");
            return this;
        }

        /**
         * After a receive that brought fewer than ten answers, how long the poller waits before
         * it receives again, so that answers arriving close together are taken several per
         * wake-up; default zero (no wait: the lowest latency for single calls). A few
         * milliseconds suit a caller expecting many answers at once (a fleet call); at most 1 s.
         */
        public Builder receiveLinger(Duration linger) {
            this.receiveLinger = Checks.between(linger, Duration.ofSeconds(1), "receiveLinger");
            return this;
        }

        /**
         * Where continuations of returned futures and response listeners run. By default a pool of two named threads
         * ({@code outpost-client-N-callback-M}, from the {@linkplain #threadFactory thread factory}) that the client
         * owns and stops at shutdown (what reaches it later runs on the thread that completed its future); an executor
         * given here is the caller's to stop. Never a poller, so a slow callback cannot delay other responses (an
         * executor that runs tasks in place runs them on the thread routing the answer: a poller, or the sender's).
         */
        public Builder callbackExecutor(Executor executor) {
            this.callbackExecutor = Optional.of(Objects.requireNonNull(executor, "executor"));
            return this;
        }

        /** Where call timeouts read elapsed time (nanoseconds); default {@link System#nanoTime}. */
        public Builder ticker(LongSupplier nanoTicker) {
            this.ticker = Objects.requireNonNull(nanoTicker, "nanoTicker");
            return this;
        }

        /** Makes the client's threads (poller, timer, the default callback pool, one for shutdown). */
        public Builder threadFactory(ThreadFactory threadFactory) {
            this.threadFactory = Optional.of(Objects.requireNonNull(threadFactory, "threadFactory"));
            return this;
        }

        /** A listener for responses that match no pending call (up to 10,000 calls wait for a slow one; then answers are dropped). */
        public Builder onResponse(Consumer<Response> listener) {
            Objects.requireNonNull(listener, "listener");
            listeners.add(d -> listener.accept(d.document()));
            return this;
        }

        /**
         * A listener for responses that match no pending call, with the sender the codec
         * authenticated (with a sealing codec: the worker's known-senders name; empty otherwise),
         * so a caller can check that an answer comes from the host it names.
         */
        public Builder onDecoded(Consumer<Decoded<Response>> listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** Takes {@code outpost.client.*} from {@code config} for what no method of this builder set. */
        public Builder configure(ConfigSource config) {
            this.config = Optional.of(Objects.requireNonNull(config, "config"));
            return this;
        }

        /**
         * Builds the client; {@link Client#start()} starts it.
         *
         * @throws ConfigException naming every bad configured value
         */
        public Client build() {
            List<ConfigException.Problem> problems = new ArrayList<>();
            String req = requests != null ? requests : configured("outpost.client.requests").orElse(Worker.DEFAULT_REQUESTS);
            String reply = replyTo != null ? replyTo
                    : configured("outpost.client.reply-to").orElse(DEFAULT_REPLY_PREFIX + Ids.next().substring(24));
            Duration wait = pollWait;
            if (wait == null) {
                try {
                    wait = config.flatMap(c -> c.duration("outpost.client.poll-wait")).orElse(Worker.DEFAULT_POLL_WAIT);
                } catch (ConfigException e) {
                    problems.addAll(e.problems());
                }
            }
            boolean shared = false;
            try {
                shared = sharedReplyTo != null ? sharedReplyTo
                        : config.flatMap(c -> c.booleanValue("outpost.client.shared-reply-to")).orElse(false);
            } catch (ConfigException e) {
                problems.addAll(e.problems());
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            return new Client(this, req, reply, wait, shared);
        }

        private Optional<String> configured(String key) {
            return config.flatMap(c -> c.string(key)).filter(s -> !s.isBlank());
        }
    }
}
