package dev.outpost.core.internal;

import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;

/**
 * A poll loop's receive failures, as outages: the first failure and the recovery are logged at
 * WARN with how long the outage lasted and how many receives failed, nothing in between, so a log
 * read at WARN shows both ends of every outage.
 */
public final class Outages {
    private final Logger log;
    private final String owner;
    private final String source;
    private final LongAdder failures = new LongAdder();
    private final AtomicReference<String> current = new AtomicReference<>();
    /** When the current outage began ({@link System#nanoTime()}), and the failed receives before it. */
    private final AtomicLongArray start = new AtomicLongArray(2);

    public Outages(Logger log, String owner, String source) {
        this.log = log;
        this.owner = owner;
        this.source = source;
    }

    /** A receive worked: ends the outage, if there was one. */
    public void receiveWorked() {
        if (current.get() != null && current.getAndSet(null) != null) {
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start.get(0));
            log.warn("{}: '{}' reachable again after {} s ({} failed receives), receiving resumed", owner, source,
                    String.format(Locale.ROOT, "%.1f", millis / 1000.0), failures.sum() - start.get(1));
        }
    }

    /** A receive failed. */
    public void receiveFailed() {
        failures.increment();
    }

    /**
     * After {@link #receiveFailed()}, while the owner still runs: the failure is the outage's
     * until a receive works.
     *
     * @return whether it began an outage
     */
    public boolean began(Throwable e) {
        if (current.getAndSet(e.toString()) == null) {
            start.set(0, System.nanoTime());
            start.set(1, failures.sum() - 1);
            log.warn("{}: cannot receive from '{}' ({}); retrying until it answers", owner, source, e.toString());
            return true;
        }
        return false;
    }

    /** While the source cannot be reached: the last failure. */
    public Optional<String> current() {
        return Optional.ofNullable(current.get());
    }

    public long failures() {
        return failures.sum();
    }
}
