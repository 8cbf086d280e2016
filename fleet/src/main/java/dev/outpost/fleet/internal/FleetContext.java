package dev.outpost.fleet.internal;

import dev.outpost.Request;
import dev.outpost.core.Client;
import dev.outpost.core.lifecycle.Guard;
import dev.outpost.fleet.HostRecord;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Message;
import dev.outpost.spi.Registry;
import dev.outpost.spi.Transport;
import java.time.Clock;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the fleet's calls use of the fleet: its time, timer, callback executor, registry and sends. */
public final class FleetContext implements CallContext, CallContext.Sender {
    private static final Logger log = LoggerFactory.getLogger("dev.outpost.fleet.Fleet");

    private final Clock clock;
    private final LongSupplier ticker;
    private final Sweeper sweeper;
    private final Guard guard;
    private final Optional<Registry> registry;
    private final Supplier<Executor> executor;
    private final AnswerRouter router;
    private final Transport transport;
    private final Codec codec;
    private final Client client;
    private final String topic;
    private final Optional<PollPacing> pacing;
    private final Destinations destinations;

    public FleetContext(Clock clock, LongSupplier ticker, Sweeper sweeper, Guard guard, Optional<Registry> registry,
            Supplier<Executor> executor, AnswerRouter router, Transport transport, Codec codec, Client client, String topic,
            Optional<PollPacing> pacing, Destinations destinations) {
        this.pacing = pacing;
        this.destinations = destinations;
        this.clock = clock;
        this.ticker = ticker;
        this.sweeper = sweeper;
        this.guard = guard;
        this.registry = registry;
        this.executor = executor;
        this.router = router;
        this.transport = transport;
        this.codec = codec;
        this.client = client;
        this.topic = topic;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public LongSupplier ticker() {
        return ticker;
    }

    @Override
    public Sweeper sweeper() {
        return sweeper;
    }

    @Override
    public Guard guard() {
        return guard;
    }

    @Override
    public Optional<Registry> registry() {
        return registry;
    }

    @Override
    public CallContext.Sender sender() {
        return this;
    }

    @Override
    public void execute(Runnable r) {
        Executor e = executor.get();
        try {
            e.execute(() -> guard.run("fleet callback", r));
        } catch (RejectedExecutionException | NullPointerException x) {
            // the fleet is stopping: run it here rather than lose a summary
            guard.run("fleet callback", r);
        } catch (Throwable x) {
            // a callback executor is user code: whatever it throws, the summary and listeners must not be lost
            guard.failed("fleet callback executor", x);
            guard.run("fleet callback", r);
        }
    }

    @Override
    public Predicate<String> live(Optional<String> one) {
        if (registry.isEmpty()) {
            return h -> true;
        }
        try {
            if (one.isPresent()) {
                boolean up = registry.get().get(HostRecord.key(one.get())).isPresent();
                return h -> up;
            }
            Set<String> ids = new HashSet<>();
            Inventory.read(registry.get()).forEach(h -> ids.add(h.id()));
            return ids::contains;
        } catch (RuntimeException | Error e) { // the registry is user code: an Error here left the deadline's hosts pending for good
            log.warn("fleet: cannot read the inventory ({}); unanswered hosts are reported no-reply", e.toString());
            return h -> true;
        }
    }

    @Override
    public void finished(CallState call) {
        pacing.ifPresent(p -> p.settled(call));
        router.finished(call);
    }

    @Override
    public void holding(CallState call, boolean held) {
        if (held) {
            router.holding().add(call);
        } else {
            router.holding().remove(call);
        }
    }

    @Override
    public void expectAnswers(CallState call, java.time.Duration within) {
        pacing.ifPresent(p -> p.expectAnswers(call, within));
    }

    @Override
    public Message encode(Request r) {
        return Message.of(codec.encodeRequest(r));
    }

    @Override
    public CompletableFuture<Void> direct(HostRecord host, Message message) {
        if (host.requests().isEmpty()) {
            return CompletableFuture.failedFuture(new IllegalStateException("no request destination of its own known for host " + host.id()
                    + " (none in the inventory, one that other hosts register too, or one the fleet does not send to)"));
        }
        if (!destinations.allows(host.requests())) {
            // discovery and the call's start clear such destinations: this is the last line, for any way one got here
            return CompletableFuture.failedFuture(new IllegalStateException("the request destination of host " + host.id()
                    + " is not one the fleet sends to (outpost.fleet.destinations.allow: " + destinations + ")"));
        }
        return transport.send(host.requests(), message);
    }

    @Override
    public CompletableFuture<Void> topic(Request r) {
        try {
            return client.send(topic, r);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
