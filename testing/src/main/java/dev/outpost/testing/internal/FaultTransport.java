package dev.outpost.testing.internal;

import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.Transport;
import dev.outpost.testing.Fault;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * One simulated host's view of the shared in-memory transport, with its faults: requests dropped
 * or duplicated on the way in, answers dropped, duplicated, delayed or reordered on the way out,
 * and a crash between running a request and acknowledging it.
 */
public final class FaultTransport implements Transport {
    private static final JsonCodec CODEC = JsonCodec.withoutSchemaValidation();

    private final Transport inner;
    private final String queue;
    private final List<Fault> faults;
    private final Clock clock;
    private final Runnable crash;
    private final Consumer<String> sentTo;
    private final Map<String, Request> seen = new ConcurrentHashMap<>();
    private final Set<String> duplicated = ConcurrentHashMap.newKeySet();
    private final List<Held> held = Collections.synchronizedList(new ArrayList<>());
    private final List<Held> reordered = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean crashed;

    private record Held(Instant due, String destination, Message message) {}

    /** @param sentTo told each destination other than its own queue that the host sends to (answers, dead letters) */
    public FaultTransport(Transport inner, String queue, List<Fault> faults, Clock clock, Runnable crash, Consumer<String> sentTo) {
        this.inner = inner;
        this.queue = queue;
        this.faults = List.copyOf(faults);
        this.clock = clock;
        this.crash = crash;
        this.sentTo = sentTo;
    }

    private Optional<Fault> fault(Fault.Kind kind, Request r) {
        for (Fault f : faults) {
            if (f.kind() == kind && r != null && f.when().test(r)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    @Override
    public List<Delivery> receive(String source, int maxMessages, Duration wait) throws InterruptedException {
        if (crashed) {
            return List.of();
        }
        List<Delivery> got = inner.receive(source, maxMessages, wait);
        if (faults.isEmpty() || got.isEmpty()) {
            return got;
        }
        List<Delivery> out = new ArrayList<>();
        for (Delivery d : got) {
            Request r = decode(d.message());
            if (r != null) {
                seen.put(r.id(), r);
            }
            if (fault(Fault.Kind.DROP_REQUEST, r).isPresent()) {
                d.ack();
                continue;
            }
            if (fault(Fault.Kind.DUPLICATE_REQUEST, r).isPresent() && duplicated.add(r.id())) {
                inner.send(queue, d.message());
            }
            out.add(fault(Fault.Kind.CRASH_BEFORE_ACK, r).isPresent() ? new Crashing(d) : d);
        }
        return out;
    }

    @Override
    public CompletableFuture<Void> send(String destination, Message message) {
        if (crashed) {
            return CompletableFuture.failedFuture(new dev.outpost.spi.TransportException(destination, "the host crashed"));
        }
        if (!destination.equals(queue)) {
            sentTo.accept(destination);
        }
        if (faults.isEmpty() || destination.equals(queue)) {
            return inner.send(destination, message);
        }
        Request r = null;
        try {
            Response resp = CODEC.decodeResponse(message.body()).document();
            r = seen.get(resp.requestId());
        } catch (RuntimeException e) {
            // not an answer (a dead-letter copy): no reply fault applies
        }
        if (fault(Fault.Kind.CRASH_BEFORE_ACK, r).isPresent()) {
            // the run is done; the host dies before its answer and its ack: the request comes back after its visibility
            crashed = true;
            crash.run();
            return CompletableFuture.failedFuture(new dev.outpost.spi.TransportException(destination, "the host crashed"));
        }
        if (fault(Fault.Kind.DROP_REPLY, r).isPresent()) {
            return CompletableFuture.completedFuture(null);
        }
        Optional<Fault> delay = fault(Fault.Kind.DELAY_REPLY, r);
        if (delay.isPresent()) {
            held.add(new Held(clock.instant().plus(delay.get().duration()), destination, message));
            return CompletableFuture.completedFuture(null);
        }
        if (fault(Fault.Kind.REORDER_REPLIES, r).isPresent()) {
            reordered.add(new Held(clock.instant(), destination, message));
            return CompletableFuture.completedFuture(null);
        }
        if (fault(Fault.Kind.DUPLICATE_REPLY, r).isPresent()) {
            return inner.send(destination, message).thenCompose(v -> inner.send(destination, message));
        }
        return inner.send(destination, message);
    }

    /** Sends held answers that are due, and reordered ones in reverse. */
    public void release() {
        Instant now = clock.instant();
        List<Held> due = new ArrayList<>();
        synchronized (held) {
            held.removeIf(h -> {
                if (!now.isBefore(h.due())) {
                    due.add(h);
                    return true;
                }
                return false;
            });
        }
        synchronized (reordered) {
            for (int i = reordered.size() - 1; i >= 0; i--) {
                due.add(reordered.get(i));
            }
            reordered.clear();
        }
        due.forEach(h -> inner.send(h.destination(), h.message()));
    }

    public void revive() {
        crashed = false;
    }

    private static Request decode(Message m) {
        try {
            return CODEC.decodeRequest(m.body()).document();
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public boolean receivesLocally() {
        return inner.receivesLocally();
    }

    @Override
    public java.util.OptionalLong depth(String source) {
        return inner.depth(source);
    }

    @Override
    public void close() {
        // the shared transport is closed by the fleet
    }

    /** A delivery whose ack never happens: the host dies instead. */
    private final class Crashing implements Delivery {
        private final Delivery d;

        Crashing(Delivery d) {
            this.d = d;
        }

        @Override
        public String id() {
            return d.id();
        }

        @Override
        public String messageId() {
            return d.messageId();
        }

        @Override
        public String source() {
            return d.source();
        }

        @Override
        public Message message() {
            return d.message();
        }

        @Override
        public int receiveCount() {
            return d.receiveCount();
        }

        @Override
        public CompletableFuture<Void> ack() {
            crashed = true;
            crash.run();
            return CompletableFuture.failedFuture(new dev.outpost.spi.TransportException(queue, "the host crashed before the ack"));
        }

        @Override
        public CompletableFuture<Void> retry(Duration delay) {
            return d.retry(delay);
        }

        @Override
        public CompletableFuture<Void> extend(Duration visibility) {
            return d.extend(visibility);
        }
    }
}
