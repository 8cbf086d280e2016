package dev.outpost.kv.internal;

import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The boundary around user code this module calls (watchers, callbacks): every {@link Throwable},
 * {@link Error}s included, is caught, counted and logged; the calling loop goes on.
 */
public final class UserCalls {
    private static final Logger log = LoggerFactory.getLogger("dev.outpost.UserCode");
    private final String owner;
    private final LongAdder failures = new LongAdder();

    /** @param owner named in log lines */
    public UserCalls(String owner) {
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

    /** Throwables caught so far. */
    public long failures() {
        return failures.sum();
    }
}
