package dev.outpost.core.internal;

import dev.outpost.core.lifecycle.Guard;
import dev.outpost.spi.Delivery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;

/**
 * What a poll loop's receive returned, held to what the loop asked for. A transport is code the
 * loop does not control: a null entry would end the receiving thread, and deliveries beyond the
 * slots taken for them would break the count of slots.
 */
public final class Received {
    private final Logger log;
    private final String owner;
    private final Guard guard;
    /** Counts a receive that broke this: logged once, it must still show in the owner's status every time. */
    private final Runnable broken;
    private final AtomicBoolean warned = new AtomicBoolean();

    public Received(Logger log, String owner, Guard guard, Runnable broken) {
        this.log = log;
        this.owner = owner;
        this.guard = guard;
        this.broken = broken;
    }

    /**
     * {@code got} without nulls and with at most {@code wanted} deliveries; those beyond are
     * handed back to their queue at once, and such a receive is counted as a broken one.
     */
    public List<Delivery> within(List<Delivery> got, int wanted) {
        if (got.size() <= wanted && noNulls(got)) {
            return got;
        }
        List<Delivery> kept = new ArrayList<>(wanted);
        int nulls = 0;
        int extra = 0;
        for (Delivery d : got) {
            if (d == null) {
                nulls++;
            } else if (kept.size() < wanted) {
                kept.add(d);
            } else {
                extra++;
                guard.run("handing back a delivery beyond the receive's size", () -> d.retry(Duration.ZERO));
            }
        }
        broken.run();
        if (warned.compareAndSet(false, true)) { // a broken transport does it on every receive: once is enough
            log.warn("{}: the transport's receive returned {} deliveries for {} asked and {} nulls: the nulls were skipped, "
                    + "the extra ones handed back (logged once)", owner, got.size(), wanted, nulls);
        }
        return kept;
    }

    /** The delivery's id for a log line, whatever its {@code id()} does. */
    public static String describe(Delivery d) {
        try {
            return "delivery " + d.id();
        } catch (RuntimeException e) {
            return "a delivery whose id() throws " + e.getClass().getName();
        }
    }

    private static boolean noNulls(List<Delivery> got) {
        for (int i = 0; i < got.size(); i++) {
            if (got.get(i) == null) {
                return false;
            }
        }
        return true;
    }
}
