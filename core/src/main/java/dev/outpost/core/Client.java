package dev.outpost.core;

import dev.outpost.OutpostException;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.internal.Ids;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.spi.Codec;
import dev.outpost.spi.CodecException;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends requests and correlates the responses that come back on the client's own reply
 * destination.
 *
 * <pre>{@code
 * try (Client client = Client.builder(transport).build()) {
 *     Response r = client.call(Request.builder("outpost.ping").build(), Duration.ofSeconds(5)).join();
 * }
 * }</pre>
 *
 * <p>The client owns one thread that polls its reply destination (named
 * {@code outpost-client-<replyTo>}) and one timer thread; {@link #close()} stops both. A response
 * that matches no pending call or broadcast (a fire-and-forget {@link #send}, or one that arrived
 * after its call timed out) goes to the {@linkplain Builder#onResponse listeners}.
 */
public final class Client implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Client.class);

    private final Transport transport;
    private final Codec codec;
    private final String requests;
    private final String replyTo;
    private final Duration pollWait;
    private final List<Consumer<Response>> listeners;
    private final Map<String, CompletableFuture<Response>> calls = new ConcurrentHashMap<>();
    private final Map<String, Gathering> broadcasts = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;
    private final Thread poller;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final LongAdder undecodable = new LongAdder();

    private Client(Builder b) {
        this.transport = b.transport;
        this.codec = b.codec;
        this.requests = b.requests;
        this.replyTo = b.replyTo;
        this.pollWait = b.pollWait;
        this.listeners = new CopyOnWriteArrayList<>(b.listeners);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "outpost-client-timer-" + replyTo);
            t.setDaemon(true);
            return t;
        });
        this.poller = new Thread(this::poll, "outpost-client-" + replyTo);
        this.poller.setDaemon(true);
        this.poller.start();
    }

    /** A builder for a client sending through {@code transport}. */
    public static Builder builder(Transport transport) {
        return new Builder(transport);
    }

    /** The destination responses to this client's requests come back to. */
    public String replyTo() {
        return replyTo;
    }

    /**
     * Sends {@code request} to the requests destination and waits for its response.
     *
     * <p>The request's {@code replyTo} is set to this client's reply destination, and, when it has
     * none, its ttl to {@code timeout} (a worker will not start it after the caller gave up).
     *
     * @return completes with the response, whatever its status (check {@link Response#isOk()});
     *     exceptionally with {@link CallTimeoutException} when none arrives within {@code timeout},
     *     or with a {@link dev.outpost.spi.TransportException} when the request cannot be sent
     */
    public CompletableFuture<Response> call(Request request, Duration timeout) {
        return call(requests, request, timeout);
    }

    /** {@link #call(Request, Duration)} to another destination (a queue or a topic). */
    public CompletableFuture<Response> call(String destination, Request request, Duration timeout) {
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(request, "request");
        requirePositive(timeout);
        ensureOpen();
        Request r = prepare(request, timeout);
        CompletableFuture<Response> future = new CompletableFuture<>();
        if (calls.putIfAbsent(r.id(), future) != null) {
            throw new IllegalArgumentException("request " + r.id() + " is already waiting for its response");
        }
        ScheduledFuture<?> expiry = timer.schedule(() -> {
            if (calls.remove(r.id(), future)) {
                future.completeExceptionally(new CallTimeoutException(r.id(), r.collector(), timeout));
            }
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        future.whenComplete((v, e) -> expiry.cancel(false));
        send(destination, r).whenComplete((v, e) -> {
            if (e != null && calls.remove(r.id(), future)) {
                future.completeExceptionally(e);
            }
        });
        return future;
    }

    /**
     * Sends {@code request} without waiting; its response (if the request names a reply
     * destination, this client's by default) reaches the listeners.
     *
     * @return completes when the transport accepted the request
     */
    public CompletableFuture<Void> send(Request request) {
        ensureOpen();
        Request r = request.replyTo().isPresent() ? request : request.withReplyTo(replyTo);
        return send(requests, r);
    }

    /**
     * Sends {@code request} to a topic read by many workers and gathers their responses until
     * {@code expected} have arrived or {@code deadline} has passed, whichever comes first.
     *
     * @return completes with the responses gathered (possibly none) — never exceptionally for
     *     lack of responses; exceptionally when the request cannot be sent
     */
    public CompletableFuture<List<Response>> broadcast(String topic, Request request, int expected, Duration deadline) {
        Objects.requireNonNull(topic, "topic");
        if (expected < 1) {
            throw new IllegalArgumentException("expected must be at least 1, was " + expected);
        }
        requirePositive(deadline);
        ensureOpen();
        Request r = prepare(request, deadline);
        Gathering g = new Gathering(expected);
        broadcasts.put(r.id(), g);
        ScheduledFuture<?> expiry = timer.schedule(() -> finishBroadcast(r.id()), deadline.toNanos(), TimeUnit.NANOSECONDS);
        g.future.whenComplete((v, e) -> expiry.cancel(false));
        send(topic, r).whenComplete((v, e) -> {
            if (e != null && broadcasts.remove(r.id(), g)) {
                g.future.completeExceptionally(e);
            }
        });
        return g.future;
    }

    /** Adds a listener for responses that match no pending call or broadcast. */
    public void onResponse(Consumer<Response> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Calls waiting for a response now. */
    public int pending() {
        return calls.size() + broadcasts.size();
    }

    /** Responses that arrived but could not be decoded (logged and dropped). */
    public long undecodableResponses() {
        return undecodable.sum();
    }

    /** Stops polling; pending calls complete exceptionally with an {@link OutpostException}. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        poller.interrupt();
        try {
            poller.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        timer.shutdownNow();
        OutpostException closedError = new OutpostException("client closed before the response arrived");
        calls.values().forEach(f -> f.completeExceptionally(closedError));
        calls.clear();
        broadcasts.keySet().forEach(this::finishBroadcast);
    }

    private Request prepare(Request request, Duration timeout) {
        Request.Builder b = request.toBuilder();
        if (request.replyTo().isEmpty()) {
            b.replyTo(replyTo);
        }
        if (request.ttl().isEmpty()) {
            b.ttl(timeout);
        }
        return b.build();
    }

    private CompletableFuture<Void> send(String destination, Request r) {
        byte[] body;
        try {
            body = codec.encodeRequest(r);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return transport.send(destination, Message.of(body, Map.of("outpost-request-id", r.id())));
    }

    private void finishBroadcast(String id) {
        Gathering g = broadcasts.remove(id);
        if (g != null) {
            g.future.complete(g.snapshot());
        }
    }

    private void poll() {
        long pause = 50;
        boolean down = false;
        while (!closed.get()) {
            List<Delivery> got;
            try {
                got = transport.receive(replyTo, 10, pollWait);
                if (down) {
                    log.info("client: '{}' reachable again", replyTo);
                    down = false;
                }
                pause = 50;
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (closed.get()) {
                    return;
                }
                if (!down) {
                    log.warn("client: cannot receive from '{}' ({}); retrying", replyTo, e.toString());
                    down = true;
                }
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException ie) {
                    return;
                }
                pause = Math.min(pause * 2, 5_000);
                continue;
            }
            for (Delivery d : got) {
                dispatch(d);
            }
        }
    }

    private void dispatch(Delivery d) {
        Response response;
        try {
            response = codec.decodeResponse(d.message().body()).document();
        } catch (CodecException e) {
            undecodable.increment();
            log.warn("client: dropped an undecodable response on '{}' ({}): {}", replyTo, e.reason().code(), e.getMessage());
            d.ack();
            return;
        } catch (RuntimeException e) {
            undecodable.increment();
            log.warn("client: dropped an undecodable response on '{}': {}", replyTo, e.toString());
            d.ack();
            return;
        }
        d.ack();
        CompletableFuture<Response> call = calls.remove(response.requestId());
        if (call != null) {
            call.complete(response);
            return;
        }
        Gathering g = broadcasts.get(response.requestId());
        if (g != null) {
            if (g.add(response)) {
                finishBroadcast(response.requestId());
            }
            return;
        }
        for (Consumer<Response> l : listeners) {
            try {
                l.accept(response);
            } catch (RuntimeException e) {
                log.warn("client: response listener failed", e);
            }
        }
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("client is closed");
        }
    }

    private static void requirePositive(Duration d) {
        Objects.requireNonNull(d, "timeout");
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, was " + d);
        }
    }

    private static final class Gathering {
        final int expected;
        final List<Response> responses = Collections.synchronizedList(new ArrayList<>());
        final CompletableFuture<List<Response>> future = new CompletableFuture<>();

        Gathering(int expected) {
            this.expected = expected;
        }

        boolean add(Response r) {
            responses.add(r);
            return responses.size() >= expected;
        }

        List<Response> snapshot() {
            synchronized (responses) {
                return List.copyOf(responses);
            }
        }
    }

    /** Builds a {@link Client}. Not thread-safe. */
    public static final class Builder {
        private final Transport transport;
        private Codec codec = JsonCodec.create();
        private String requests = Worker.DEFAULT_REQUESTS;
        private String replyTo = "outpost-client-" + Ids.next().substring(24);
        private Duration pollWait = Worker.DEFAULT_POLL_WAIT;
        private final List<Consumer<Response>> listeners = new ArrayList<>();

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
            this.requests = Worker.requireText(destination, "destination");
            return this;
        }

        /**
         * This client's own reply destination; by default a fresh {@code outpost-client-…} name
         * (fine for transports that create queues on demand; with SQS, name a queue you provisioned).
         */
        public Builder replyTo(String destination) {
            this.replyTo = Worker.requireText(destination, "destination");
            return this;
        }

        /** How long one receive on the reply destination waits; default 20 s. */
        public Builder pollWait(Duration wait) {
            this.pollWait = Worker.requireNonNegative(wait, "wait");
            return this;
        }

        /** A listener for responses that match no pending call. */
        public Builder onResponse(Consumer<Response> listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** Builds the client and starts polling its reply destination. */
        public Client build() {
            return new Client(this);
        }
    }
}
