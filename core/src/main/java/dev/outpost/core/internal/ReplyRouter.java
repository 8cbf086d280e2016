package dev.outpost.core.internal;

import dev.outpost.Response;
import dev.outpost.core.lifecycle.Guard;
import dev.outpost.spi.Codec;
import dev.outpost.spi.CodecException;
import dev.outpost.spi.Decoded;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's reply path, on its poller thread: decodes each answer, hands it to the pending
 * call or broadcast waiting for it, else to the listeners, and acknowledges the deliveries of one
 * receive together ({@link Transport#ackBatch}) once they are handled. Runs no application code
 * itself: futures complete onto the callback executor, listeners run on it.
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

    public ReplyRouter(Transport transport, Codec codec, String replyTo, Executor callbacks, Guard guard,
            List<Consumer<Decoded<Response>>> listeners, long lingerNanos) {
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

    /** Completes the broadcast {@code g} of request {@code id} with what it gathered, once. */
    public void finishBroadcast(String id, Gathering g) {
        if (broadcasts.remove(id, g)) {
            g.future().complete(g.close());
        }
    }

    /** One delivery of a receive: routed now, acked with the rest of its receive at {@link #endOfBatch()}. */
    public void handle(Delivery d) {
        toAck.get().add(d);
        Decoded<Response> decoded;
        try {
            decoded = codec.decodeResponse(d.message().body());
        } catch (CodecException e) {
            undecodable.increment();
            log.warn("client: dropped an undecodable response on '{}' ({}): {}", replyTo, e.reason().code(), e.getMessage());
            return;
        } catch (RuntimeException e) {
            undecodable.increment();
            log.warn("client: dropped an undecodable response on '{}': {}", replyTo, e.toString());
            return;
        }
        Response response = decoded.document();
        CallbackFuture<Response> call = calls.remove(response.requestId());
        if (call != null && call.complete(response)) {
            return;
        } // else cancelled or given up on by its caller since it was looked up: an answer matching no call, as below
        Gathering g = broadcasts.get(response.requestId());
        Gathering.Added added = g == null ? Gathering.Added.TOO_LATE : g.add(response);
        if (added == Gathering.Added.COMPLETE) {
            finishBroadcast(response.requestId(), g);
        }
        if (added != Gathering.Added.TOO_LATE) {
            return;
        }
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
     * Acks what this receive brought, in one transport operation. An answer is acked after it was
     * routed: a client that dies in between sees it again, and a duplicate answer is harmless.
     */
    public void endOfBatch() {
        List<Delivery> mine = toAck.get();
        if (mine.isEmpty()) {
            return;
        }
        List<Delivery> batch = mine.size() == 1 ? List.of(mine.get(0)) : List.copyOf(mine);
        mine.clear();
        if (lingerNanos > 0 && batch.size() < 10) {
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
