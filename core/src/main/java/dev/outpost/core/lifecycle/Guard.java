package dev.outpost.core.lifecycle;

import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one boundary for calls into user code that must not stop a loop: listeners, callbacks,
 * response handlers. Every {@link Throwable}, {@link Error}s included, is caught, counted and
 * logged; the caller goes on.
 *
 * <p>Part of the kit every Outpost module builds its long-lived components from; see
 * {@link Lifecycle}.
 */
public final class Guard {
    private static final Logger log = LoggerFactory.getLogger("dev.outpost.UserCode");
    private final String owner;
    private final LongAdder failures = new LongAdder();

    /** @param owner named in log lines, e.g. {@code worker host-12} */
    public Guard(String owner) {
        this.owner = owner;
    }

    /** Runs {@code call}; whatever it throws is logged and counted. */
    public void run(String what, Runnable call) {
        try {
            call.run();
        } catch (Throwable t) {
            failures.increment();
            log.warn("{}: {} threw {}; ignored", owner, what, t.toString(), t);
        }
    }

    /** Records a throwable the caller caught from user code itself. */
    public void failed(String what, Throwable t) {
        failures.increment();
        log.warn("{}: {} threw {}; ignored", owner, what, t.toString(), t);
    }

    /** Throwables caught so far. */
    public long failures() {
        return failures.sum();
    }
}
