package dev.outpost.core.internal;

import dev.outpost.RejectReason;
import dev.outpost.Response;
import dev.outpost.core.lifecycle.Guard;
import dev.outpost.spi.Codec;
import dev.outpost.spi.CodecException;
import dev.outpost.spi.Decoded;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's reply path, on its poller thread (or the sender's, for an answer the transport
 * pushes): decodes each answer, hands it to the pending call or broadcast waiting for it, else to
 * the listeners, and acknowledges the deliveries of one receive together ({@link Transport#ackBatch})
 * once they are handled. Runs no application code
 * itself: futures complete onto the callback executor, listeners run on it.
 *
 * <p>A client sharing its reply destination with others ({@code claims} present) takes only the answers to requests
 * it sent lately: any other answer, and one its codec refuses as sealed for another key (or as opened before: one it
 * handed back already, under a key the clients share), is handed back for the client
 * it belongs to, up to {@link #MAX_RECEIVES} receives of it, then acked as no one's.
 */
public final class ReplyRouter {
    private static final Logger log = LoggerFactory.getLogger("dev.outpost.core.Client");

    private final Transport transport;
    private final Codec codec;
    private final String replyTo;
    private final Executor callbacks;
    private final Guard guard;
    private final Map<String, CallbackFuture<Response>> calls = new ConcurrentHashMap<>();
    private final Map<String, Gathering> broadcasts = new ConcurrentHashMap<>();
    private final List<Consumer<Decoded<Response>>> listeners;
    /**
     * Listener calls handed to the callback executor and not yet run, at most: answers matching no call come as fast as
     * anyone can write to the reply queue, and each is acked once handed over, so a slow listener must not let them pile up.
     */
    public static final int MAX_WAITING_LISTENER_CALLS = 10_000;
    private final AtomicInteger waitingListenerCalls = new AtomicInteger();
    private final LongAdder listenerCallsDropped = new LongAdder();
    private final LongAdder undecodable = new LongAdder();
    private final LongAdder ackFailures = new LongAdder();
    /** Deliveries each poller thread handled since its last ack. */
    private final ThreadLocal<List<Delivery>> toAck = ThreadLocal.withInitial(() -> new ArrayList<>(10));
    private final long lingerNanos;
    private final Optional<ReplyClaims> claims;
    private final LongAdder handedBack = new LongAdder();
    private final LongAdder unclaimed = new LongAdder();
    /** The reply destination's pushes ({@link Transport#push}) while taken; null before and after. */
    private final AtomicReference<Transport.Push> push = new AtomicReference<>();
    /** Set once the pushes are stopped (the client shuts down): an answer the transport still pushes is handed back. */
    private volatile boolean pushesStopped;
    /**
     * Receives of another client's answer, at most, before it is acked as no one's: with the hand-back delays below,
     * about a minute and a half, and enough receives for the owner among a dozen clients to take it ((11/12)^90 is
     * 0.04 %, counting only the receives after the first ten, which the client handing it back may take itself).
     */
    public static final int MAX_RECEIVES = 100;
    /**
     * A sealing codec's refusal of a message sealed for another key (crypto-nacl's {@code SealRejects.WRONG_RECIPIENT}):
     * the only undecodable answer handed back, so that junk written to a shared destination costs one receive, not 60.
     */
    static final RejectReason SEALED_FOR_ANOTHER = RejectReason.of("wrong-recipient", false);
    /**
     * A sealing codec's refusal of a message it opened before ({@code SealRejects.REPLAY}): what a client handing back
     * an answer for another run under the same key sees the next time that answer comes, since its first opening was
     * remembered. Handed back too: dropped, it was lost to the run waiting for it.
     */
    static final RejectReason OPENED_BEFORE = RejectReason.of("replay", false);

    public ReplyRouter(Transport transport, Codec codec, String replyTo, Executor callbacks, Guard guard,
            List<Consumer<Decoded<Response>>> listeners, long lingerNanos) {
        this(transport, codec, replyTo, callbacks, guard, listeners, lingerNanos, Optional.empty());
    }

    /** @param claims present when the reply destination is shared: the ids of the requests this client sent lately */
    public ReplyRouter(Transport transport, Codec codec, String replyTo, Executor callbacks, Guard guard,
            List<Consumer<Decoded<Response>>> listeners, long lingerNanos, Optional<ReplyClaims> claims) {
        this.claims = claims;
        this.lingerNanos = lingerNanos;
        this.transport = transport;
        this.codec = codec;
        this.replyTo = replyTo;
        this.callbacks = callbacks;
        this.guard = guard;
        this.listeners = new CopyOnWriteArrayList<>(listeners);
    }

    public Map<String, CallbackFuture<Response>> calls() {
        return calls;
    }

    public Map<String, Gathering> broadcasts() {
        return broadcasts;
    }

    public void addListener(Consumer<Decoded<Response>> listener) {
        listeners.add(listener);
    }

    public long undecodable() {
        return undecodable.sum();
    }

    public long ackFailures() {
        return ackFailures.sum();
    }

    /** Answers handed back for another client sharing the reply destination (each time one was). */
    public long handedBack() {
        return handedBack.sum();
    }

    /** Answers no client sharing the reply destination took in {@link #MAX_RECEIVES} receives, acked and dropped. */
    public long unclaimed() {
        return unclaimed.sum();
    }

    /** Remembers {@code requestId} as this client's, when the reply destination is shared. */
    public void claim(String requestId) {
        claims.ifPresent(c -> c.claim(requestId));
    }

    /** Completes the broadcast {@code g} of request {@code id} with what it gathered, once. */
    public void finishBroadcast(String id, Gathering g) {
        if (broadcasts.remove(id, g)) {
            g.future().complete(g.close());
        }
    }

    /** One delivery of a receive: routed now, acked with the rest of its receive at {@link #endOfBatch()}. */
    public void handle(Delivery d) {
        route(d, false);
    }

    private void route(Delivery d, boolean pushed) {
        Decoded<Response> decoded;
        try {
            decoded = codec.decodeResponse(d.message().body());
        } catch (CodecException e) {
            // sealed to another client's key, or one this client opened and handed back before: maybe the answer of a
            // client sharing the destination; anything else, no one's
            boolean another = e.reason().equals(SEALED_FOR_ANOTHER) || e.reason().equals(OPENED_BEFORE);
            if (another && handBack(d)) {
                return;
            }
            if (!another) {
                toAck.get().add(d);
            }
            undecodable.increment();
            // the codec's message quotes the sender's text (the schema's do): clipped and one line, as a refusal's detail
            log.warn("client: dropped an undecodable response on '{}' ({}): {}", replyTo, e.reason().code(),
                    Finisher.truncate(e.getMessage()));
            return;
        } catch (RuntimeException | Error e) { // the codec may be the user's: what it throws drops the answer, once
            toAck.get().add(d);
            undecodable.increment();
            log.warn("client: dropped an undecodable response on '{}': {}", replyTo, Finisher.truncate(e.toString()));
            return;
        }
        if (pushed && pushesStopped) {
            handBackPushed(d); // the client shut down while the sender's thread decoded it: as one pushed after
            return;
        }
        Response response = decoded.document();
        CallbackFuture<Response> call = calls.remove(response.requestId());
        if (call != null && call.complete(response)) {
            toAck.get().add(d);
            return;
        } // else cancelled or given up on by its caller since it was looked up: an answer matching no call, as below
        Gathering g = broadcasts.get(response.requestId());
        Gathering.Added added = g == null ? Gathering.Added.TOO_LATE : g.add(response);
        if (added == Gathering.Added.COMPLETE) {
            finishBroadcast(response.requestId(), g);
        }
        if (added != Gathering.Added.TOO_LATE) {
            toAck.get().add(d);
            return;
        }
        if (claims.isPresent() && !claims.get().isMine(response.requestId())) {
            handBack(d); // or dropped as no one's: never heard by this client's listeners
            return;
        }
        toAck.get().add(d);
        for (Consumer<Decoded<Response>> l : listeners) {
            if (waitingListenerCalls.incrementAndGet() > MAX_WAITING_LISTENER_CALLS) {
                waitingListenerCalls.decrementAndGet();
                listenerCallsDropped.increment();
                long dropped = listenerCallsDropped.sum();
                if (dropped == 1 || dropped % MAX_WAITING_LISTENER_CALLS == 0) {
                    log.warn("client on '{}': {} answers matching no call dropped so far: the listeners have {} calls waiting,"
                            + " the most allowed", replyTo, dropped, MAX_WAITING_LISTENER_CALLS);
                }
                continue;
            }
            try {
                callbacks.execute(() -> {
                    try {
                        guard.run("response listener", () -> l.accept(decoded));
                    } finally {
                        waitingListenerCalls.decrementAndGet();
                    }
                });
            } catch (RuntimeException rejected) {
                waitingListenerCalls.decrementAndGet();
                log.warn("client on '{}': the callback executor refused a listener call: {}", replyTo, rejected.toString());
            }
        }
    }

    /**
     * Hands {@code d} back for another client sharing the reply destination, unless it is not shared or {@code d} was
     * received {@link #MAX_RECEIVES} times already, and then acks it with the rest of its receive and returns false.
     */
    private boolean handBack(Delivery d) {
        if (claims.isEmpty()) {
            toAck.get().add(d);
            return false;
        }
        int received = d.receiveCount();
        if (received >= MAX_RECEIVES) {
            unclaimed.increment();
            long n = unclaimed.sum();
            if (n == 1 || n % 1000 == 0) {
                log.warn("client on '{}': {} answers no client sharing the destination took in {} receives, dropped so far",
                        replyTo, n, MAX_RECEIVES);
            }
            toAck.get().add(d);
            return false;
        }
        handedBack.increment();
        try {
            d.retry(handBackDelay(received)); // failed: it comes back after its visibility timeout, as handed back
        } catch (RuntimeException e) {
            log.debug("client on '{}': could not hand an answer back: {}", replyTo, e.toString());
        }
        return true;
    }

    /**
     * How long an answer handed back for the {@code received}th time stays hidden: none at first, so that among a
     * dozen clients the owner takes it within a few round trips; then 50 ms more each time up to a second, so that
     * every client polling has its chance at it (a client handing an answer back at once may well take it again
     * itself: in process it is the thread on a core), and one whose caller is gone costs a receive a second.
     */
    static Duration handBackDelay(int received) {
        return received <= 10 ? Duration.ZERO : Duration.ofMillis(Math.min(1_000, 50L * (received - 10)));
    }

    /**
     * Acks what this receive brought, in one transport operation. An answer is acked after it was
     * routed: a client that dies in between sees it again, and a duplicate answer is harmless.
     */
    public void endOfBatch() {
        ack(true);
    }

    /**
     * Takes the reply destination's pushes ({@link Transport#push}), for {@link #pushed}: an in-process transport then
     * routes answers on the thread that sends them, one thread hand-off fewer a call. {@code running} is asked once
     * they are taken: a client shut down meanwhile, maybe before they were, stops them again.
     */
    public void takePushes(BooleanSupplier running) {
        if (claims.isPresent()) {
            // one receiver takes a destination's pushes, and on a shared one that is the wrong client for every other
            // client's answers: each would be handed back, then taken by whichever poller woke first
            return;
        }
        // a push that fails (or gives null) costs the saving, not the client: its poller reads every answer still
        guard.run("taking the transport's push", () -> {
            Optional<Transport.Push> taken = transport.push(replyTo, this::pushed);
            Objects.requireNonNull(taken, () -> transport.getClass().getName() + ".push returned null");
            taken.ifPresent(p -> {
                push.set(p);
                if (!running.getAsBoolean()) {
                    stopPushes();
                }
            });
        });
    }

    /** Stops the pushes taken, if any: later answers wait for a receive. */
    public void stopPushes() {
        pushesStopped = true;
        Transport.Push p = push.getAndSet(null);
        if (p != null) {
            guard.run("stopping the transport's push", p::close);
        }
    }

    /**
     * One answer the transport pushed ({@link Transport#push}), on the sender's thread: routed and acked at once, never
     * lingering (the thread is a worker's).
     */
    public void pushed(Delivery d) {
        if (pushesStopped) {
            handBackPushed(d);
            return;
        }
        route(d, true);
        ack(false);
    }

    /**
     * An answer pushed as the client shut down waits for the next client reading the destination, and no listener of
     * this one runs on the sender's thread (where its stopped callback pool would run it).
     */
    private void handBackPushed(Delivery d) {
        try {
            d.retry(Duration.ZERO);
        } catch (RuntimeException e) {
            log.debug("client on '{}': could not hand back an answer pushed as it stopped: {}", replyTo, e.toString());
        }
    }

    private void ack(boolean mayLinger) {
        List<Delivery> mine = toAck.get();
        if (mine.isEmpty()) {
            return;
        }
        List<Delivery> batch = mine.size() == 1 ? List.of(mine.get(0)) : List.copyOf(mine);
        mine.clear();
        if (mayLinger && lingerNanos > 0 && batch.size() < 10) {
            // answers are trickling in: let them gather, so the next receive takes several per wake-up
            LockSupport.parkNanos(lingerNanos);
        }
        try {
            transport.ackBatch(batch).whenComplete((v, e) -> {
                if (e != null) {
                    ackFailures.increment(); // the answer comes again after its visibility timeout: counted as unmatched then
                }
            });
        } catch (RuntimeException e) {
            ackFailures.increment();
        }
    }
}
