package dev.outpost.fleet.internal;

import dev.outpost.Request;
import dev.outpost.core.Client;
import dev.outpost.fleet.Discovery;
import dev.outpost.fleet.HostRecord;
import dev.outpost.fleet.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Discovery without a registry: an {@code outpost.ping} broadcast on the fleet topic, and the hosts
 * that answered, gathered until its deadline on the fleet's timer or until the fleet shuts down.
 */
public final class Pings {
    private final Client client;
    private final String topic;
    private final LongSupplier ticker;
    private final Sweeper sweeper;
    private final Map<String, AnswerRouter.Ping> open;
    private final Optional<PollPacing> pacing;
    private final int maxHosts;
    private final BooleanSupplier running;
    private final LongAdder unmatched = new LongAdder();

    /** {@code open}: the router's pings, which it hands the answers to; {@code running}: whether the fleet still runs. */
    public Pings(Client client, String topic, LongSupplier ticker, Sweeper sweeper, Map<String, AnswerRouter.Ping> open,
            Optional<PollPacing> pacing, int maxHosts, BooleanSupplier running) {
        this.client = client;
        this.topic = topic;
        this.ticker = ticker;
        this.sweeper = sweeper;
        this.open = open;
        this.pacing = pacing;
        this.maxHosts = maxHosts;
        this.running = running;
    }

    /**
     * Pings the hosts {@code selector} selects; completes with those that answered within {@code wait}.
     *
     * @throws IllegalStateException when the fleet shut down meanwhile
     */
    public CompletableFuture<Discovery> ping(Selector selector, Duration wait) {
        long t0 = ticker.getAsLong();
        Request.Builder rb = Request.builder("outpost.ping").replyTo(client.replyTo()).ttl(wait);
        if (!selector.equals(Selector.all())) {
            rb.attribute(FleetAttributes.SELECT, selector.text());
        }
        Request r = rb.build();
        Map<String, HostRecord> seen = new ConcurrentHashMap<>();
        CompletableFuture<Discovery> done = new CompletableFuture<>();
        Runnable end = () -> {
            pacing.ifPresent(p -> p.settled(r));
            open.remove(r.id());
            List<HostRecord> hosts = new ArrayList<>(seen.values());
            hosts.sort(Comparator.comparing(HostRecord::id));
            done.complete(new Discovery(Discovery.Source.PING, hosts, Duration.ofNanos(ticker.getAsLong() - t0)));
        };
        open.put(r.id(), new AnswerRouter.Ping(resp -> {
            if (seen.size() < maxHosts) {
                try {
                    seen.putIfAbsent(resp.worker(), new HostRecord(resp.worker(), "", List.of(), Set.of(), Map.of(), resp.startedAt()));
                } catch (IllegalArgumentException e) {
                    unmatched.increment(); // an id no host may have
                }
            }
        }, end));
        if (!running.getAsBoolean()) {
            // shut down since the caller's check: the shutdown may have ended the open pings before this one was
            // among them, and stopped the timer that would end it, so it never would be
            open.remove(r.id());
            throw new IllegalStateException("fleet is closed");
        }
        pacing.ifPresent(p -> p.expectAnswers(r, wait));
        sweeper.schedule(Sweeper.nanos(wait), end);
        try {
            client.send(topic, r).join();
        } catch (RuntimeException e) {
            open.remove(r.id());
            pacing.ifPresent(p -> p.settled(r));
            throw e;
        }
        return done;
    }

    /** Ends every ping in progress with what it heard: for the shutdown, which stops the timer that ends them. */
    public void endAll() {
        List.copyOf(open.values()).forEach(p -> p.end().run());
    }

    /** Answers to pings that named an id no host may have. */
    public long unmatched() {
        return unmatched.sum();
    }
}
