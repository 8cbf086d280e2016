package dev.outpost.fleet.internal;

import dev.outpost.spi.Delivery;
import dev.outpost.spi.ForwardingTransport;
import dev.outpost.spi.Transport;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The fleet client's transport over a network: while a call waits for answers, each receive
 * waits as long as the latest deadline of the calls in progress allows (at most
 * {@link #LONGEST}, SQS's limit), instead of the client's own poll wait. A long poll returns as
 * soon as an answer is there, so answers are not slower; what goes away is the train of empty
 * receives while silent hosts run out the deadline (on SQS one API call each). No poll is made
 * to outlive the calls it serves by more than the client's own wait, so closing the fleet is not
 * held up by it. Everything else is passed through unchanged.
 */
public final class PollPacing extends ForwardingTransport {
    /** The longest receive wait (SQS allows 20 s). */
    public static final Duration LONGEST = Duration.ofSeconds(20);

    private final LongSupplier nanoTime;
    /** Calls (and pings) waiting for answers, with the latest deadline of each on {@link #nanoTime}. */
    private final Map<Object, Long> waiting = new ConcurrentHashMap<>();

    public PollPacing(Transport inner, LongSupplier nanoTime) {
        super(inner);
        this.nanoTime = nanoTime;
    }

    /** {@code call} expects answers for {@code within} from now. */
    public void expectAnswers(Object call, Duration within) {
        long until = nanoTime.getAsLong() + Math.min(Sweeper.nanos(within), LONGEST.toNanos() * 1000);
        waiting.merge(call, until, (a, b) -> b - a > 0 ? b : a);
    }

    /** {@code call} is settled: its deadline no longer stretches receives. */
    public void settled(Object call) {
        waiting.remove(call);
    }

    /** The wait for a receive asked to wait {@code wait}: up to the latest deadline of the calls waiting, when later. */
    public Duration waitFor(Duration wait) {
        if (waiting.isEmpty()) {
            return wait;
        }
        long now = nanoTime.getAsLong();
        long left = 0;
        for (long until : waiting.values()) {
            left = Math.max(left, until - now);
        }
        if (left <= Sweeper.nanos(wait)) {
            return wait;
        }
        return left >= LONGEST.toNanos() ? LONGEST : Duration.ofNanos(left);
    }

    @Override
    public List<Delivery> receive(String source, int maxMessages, Duration wait) throws InterruptedException {
        return super.receive(source, maxMessages, waitFor(wait));
    }

    /** The fleet does not own the transport: closing the client must not close it. */
    @Override
    public void close() {
        // the caller's transport is closed by whoever built it
    }
}
