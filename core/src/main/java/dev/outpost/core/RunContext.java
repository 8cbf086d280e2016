package dev.outpost.core;

import dev.outpost.spi.CollectorContext;
import dev.outpost.spi.Sender;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The context of one collector run, as the worker and the scheduler give it; public so that test
 * helpers ({@code CollectorTester}) and other runners give collectors exactly the same context.
 * Progress messages are cut to 1000 characters.
 */
public final class RunContext implements CollectorContext {
    private static final int MAX_PROGRESS = 1000;

    private final LongSupplier ticker;
    private final Instant deadline;
    private final long deadlineNanos;
    private final Optional<Sender> sender;
    private final int attempt;
    private final Map<String, String> settings;
    private final Consumer<String> progress;

    /**
     * A context for one run.
     *
     * @param ticker where {@link #remaining()} reads elapsed time
     * @param deadline the wall-clock deadline reported
     * @param deadlineNanos the same deadline on the ticker
     * @param sender who sent the request, when a codec authenticated it
     * @param attempt which attempt this is, from 1
     * @param settings the collector's settings
     * @param progress receives {@link #progress(String)} messages
     */
    public RunContext(LongSupplier ticker, Instant deadline, long deadlineNanos, Optional<Sender> sender, int attempt,
            Map<String, String> settings, Consumer<String> progress) {
        this.ticker = ticker;
        this.deadline = deadline;
        this.deadlineNanos = deadlineNanos;
        this.sender = sender;
        this.attempt = attempt;
        this.settings = settings;
        this.progress = progress;
    }

    @Override
    public Instant deadline() {
        return deadline;
    }

    @Override
    public Duration remaining() {
        long left = deadlineNanos - ticker.getAsLong();
        return left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
    }

    @Override
    public Optional<Sender> sender() {
        return sender;
    }

    @Override
    public int attempt() {
        return attempt;
    }

    @Override
    public Map<String, String> settings() {
        return settings;
    }

    @Override
    public void progress(String message) {
        String m = message == null ? "" : message;
        progress.accept(m.length() <= MAX_PROGRESS ? m : m.substring(0, MAX_PROGRESS) + "…");
    }
}
