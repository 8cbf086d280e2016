package dev.outpost.core;

import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A transport seen through one worker's eyes: counts what it acks and hands back per request id,
 * tracks deliveries it holds, and can "crash": from then on nothing it does reaches the real
 * transport, exactly as if its process had been killed.
 */
final class TappedTransport implements Transport {
    final Transport real;
    final AtomicBoolean crashed = new AtomicBoolean();
    final Map<String, AtomicInteger> acks = new ConcurrentHashMap<>();
    final AtomicInteger held = new AtomicInteger();
    final AtomicInteger maxHeld = new AtomicInteger();
    /** Visibility extensions the real transport confirmed. */
    final AtomicInteger extensions = new AtomicInteger();

    TappedTransport(Transport real) {
        this.real = real;
    }

    final java.util.Set<String> failing = ConcurrentHashMap.newKeySet();

    /** Sends to {@code destination} fail from now on, as a transport outage there would. */
    void failSendsTo(String destination) {
        failing.add(destination);
    }

    final AtomicBoolean receivesFail = new AtomicBoolean();

    /** Receives fail from now on (or work again), as an outage of the queue service would. */
    void failReceives(boolean fail) {
        receivesFail.set(fail);
    }

    void crash() {
        crashed.set(true);
    }

    int acksOf(String requestId) {
        AtomicInteger n = acks.get(requestId);
        return n == null ? 0 : n.get();
    }

    @Override
    public CompletableFuture<Void> send(String destination, Message message) {
        if (failing.contains(destination)) {
            return CompletableFuture.failedFuture(new dev.outpost.spi.TransportException(destination, "injected outage"));
        }
        return crashed.get() ? new CompletableFuture<>() : real.send(destination, message);
    }

    @Override
    public List<Delivery> receive(String source, int maxMessages, Duration wait) throws InterruptedException {
        if (receivesFail.get()) {
            throw new dev.outpost.spi.TransportException(source, "injected receive outage");
        }
        if (crashed.get()) {
            Thread.sleep(wait.toMillis());
            return List.of();
        }
        List<Delivery> out = new ArrayList<>();
        for (Delivery d : real.receive(source, maxMessages, wait)) {
            int now = held.incrementAndGet();
            maxHeld.accumulateAndGet(now, Math::max);
            out.add(new Tapped(d));
        }
        return out;
    }

    @Override
    public OptionalLong depth(String source) {
        return real.depth(source);
    }

    @Override
    public int maxMessageBytes() {
        return real.maxMessageBytes();
    }

    @Override
    public void close() {}

    private final class Tapped implements Delivery {
        private final Delivery d;
        private final AtomicBoolean done = new AtomicBoolean();

        Tapped(Delivery d) {
            this.d = d;
        }

        private void finished() {
            if (done.compareAndSet(false, true)) {
                held.decrementAndGet();
            }
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
            if (crashed.get()) {
                return new CompletableFuture<>();
            }
            String id = requestId(d);
            acks.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            finished();
            return d.ack();
        }

        @Override
        public CompletableFuture<Void> retry(Duration delay) {
            if (crashed.get()) {
                return new CompletableFuture<>();
            }
            finished();
            return d.retry(delay);
        }

        @Override
        public CompletableFuture<Void> extend(Duration visibility) {
            return crashed.get() ? new CompletableFuture<>() : d.extend(visibility).thenRun(extensions::incrementAndGet);
        }
    }

    /** The request id inside the body (these tests send plain JSON), or the delivery id for anything else. */
    static String requestId(Delivery d) {
        try {
            return dev.outpost.Json.parse(new String(d.message().body(), java.nio.charset.StandardCharsets.UTF_8)).path("id")
                    .asText(d.id());
        } catch (RuntimeException e) {
            return d.id();
        }
    }
}
