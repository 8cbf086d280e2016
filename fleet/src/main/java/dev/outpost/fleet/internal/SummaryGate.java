package dev.outpost.fleet.internal;

import dev.outpost.fleet.FleetSummary;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds a settled call's summary until every listener call (and awaiting future) for its hosts has
 * returned: settling threads hand their results to the callback executor each on its own, so the
 * thread that settles the last host is not the one whose listener call runs last. A listener call
 * still out one deadline after the last host settled, or at the fleet's shutdown, is given up on and
 * logged: the summary never waits for ever on user code. Its lock is taken inside the call's, never
 * the other way, and no user code runs under it.
 */
final class SummaryGate {
    private static final Logger log = LoggerFactory.getLogger("dev.outpost.fleet.Fleet");
    private final CallState call;
    private final CallContext ctx;
    private final Duration deadline;
    private final CompletableFuture<FleetSummary> summary = new CompletableFuture<>();
    /** Results settled whose listener calls have not returned yet. */
    private int owed;
    private FleetSummary built;
    private boolean released;
    private Sweeper.Task giveUp;

    SummaryGate(CallState call, CallContext ctx, Duration deadline) {
        this.call = call;
        this.ctx = ctx;
        this.deadline = deadline;
    }

    CompletableFuture<FleetSummary> summary() {
        return summary;
    }

    /** One more result settled, to be told. */
    synchronized void owe() {
        owed++;
    }

    /** {@code n} results were told (or had nobody to tell): the last ones of a settled call let its summary go. */
    void paid(int n) {
        FleetSummary s;
        synchronized (this) {
            owed -= n;
            if (built == null || released || owed > 0) {
                return;
            }
            released = true;
            s = built;
            if (giveUp != null) {
                giveUp.cancel();
            }
        }
        ctx.holding(call, false);
        ctx.execute(() -> summary.complete(s));
    }

    /** Every host is settled: the summary goes now, or once the listener calls still out have returned. */
    void ready(FleetSummary s) {
        boolean now;
        synchronized (this) {
            built = s;
            released = owed == 0;
            now = released;
        }
        if (now) {
            ctx.execute(() -> summary.complete(s));
            return;
        }
        ctx.holding(call, true);
        Sweeper.Task t = ctx.sweeper().schedule(Sweeper.nanos(deadline), () -> giveUp(deadline + " after the last host was settled"));
        boolean meanwhile;
        synchronized (this) {
            meanwhile = released;
            if (meanwhile) {
                t.cancel();
            } else {
                giveUp = t;
            }
        }
        if (meanwhile) {
            ctx.holding(call, false);
        }
    }

    /** The fleet is shut down, and the timer with it: a summary still waiting goes without the listener calls out. */
    void stop() {
        giveUp("by the fleet's shutdown");
    }

    private void giveUp(String when) {
        FleetSummary s;
        int out;
        synchronized (this) {
            if (released) {
                return;
            }
            released = true;
            s = built;
            out = owed;
        }
        ctx.holding(call, false);
        log.warn("fleet call {} ({}): {} listener call(s) had not returned {} (a listener that blocks, or a callback"
                + " executor that does not run them); the summary completes without waiting for them",
                Printable.of(call.requestId()), Printable.of(call.collector()), out, when);
        ctx.execute(() -> summary.complete(s));
    }
}
