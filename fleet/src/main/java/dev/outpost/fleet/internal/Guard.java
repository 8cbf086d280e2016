package dev.outpost.fleet.internal;

import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Throwable boundary around user code (listeners, collectors): catch, count, log, go on. */
public final class Guard {
    private static final Logger log = LoggerFactory.getLogger(Guard.class);
    private final String owner;
    private final LongAdder errors = new LongAdder();

    public Guard(String owner) {
        this.owner = owner;
    }

    /** Runs {@code r}; anything it throws, an {@code Error} included, is counted and logged. */
    public void run(String what, Runnable r) {
        try {
            r.run();
        } catch (Throwable t) {
            errors.increment();
            log.warn("{}: {} failed", owner, what, t);
        }
    }

    /** How many times user code failed. */
    public long errors() {
        return errors.sum();
    }
}
