package dev.outpost.fleet.internal;

import dev.outpost.Request;
import dev.outpost.core.lifecycle.Guard;
import dev.outpost.fleet.HostRecord;
import dev.outpost.spi.Message;
import dev.outpost.spi.Registry;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/** What a call's accounting needs from the fleet that owns it. */
public interface CallContext {
    Clock clock();

    LongSupplier ticker();

    Sweeper sweeper();

    Guard guard();

    Optional<Registry> registry();

    Sender sender();

    /** Runs user-facing work on the callback executor. */
    void execute(Runnable r);

    /** Which hosts are live in the inventory now (reads one entry, or the listing); without a registry every host counts as live. */
    java.util.function.Predicate<String> live(Optional<String> one);

    /** The call is settled: forget it (keeping its id a while to count late answers). */
    void finished(CallState call);

    /** {@code call} sent requests and waits for their answers for {@code within} (receives over a network may wait that long). */
    default void expectAnswers(CallState call, java.time.Duration within) {}

    /** {@code call} is settled and its summary waits for listener calls ({@code held}), or no longer does. */
    default void holding(CallState call, boolean held) {}

    /** Sends for calls. */
    interface Sender {
        /** The request as one message, sent as it is to every host of a direct send (a message is immutable). */
        Message encode(Request r);

        CompletableFuture<Void> direct(HostRecord host, Message message);

        CompletableFuture<Void> topic(Request r);
    }
}
