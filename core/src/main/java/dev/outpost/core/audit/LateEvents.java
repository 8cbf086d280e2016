package dev.outpost.core.audit;

import java.util.concurrent.atomic.LongAdder;

/**
 * The end of an {@link AuditLog}'s buffer, for events added after its shutdown began: the writer
 * may have found the buffer empty and ended before they were. Once the shutdown has {@linkplain
 * #seal sealed} the buffer, a late recorder takes what is left (its own event, and any other late
 * thread added) and counts it dropped, so no event is lost uncounted. Rare and cold: a monitor is fine.
 */
final class LateEvents {
    private final EventRing buffer;
    private final LongAdder dropped;
    private boolean sealed;
    private boolean writerGone;

    LateEvents(EventRing buffer, LongAdder dropped) {
        this.buffer = buffer;
        this.dropped = dropped;
    }

    /**
     * The shutdown's last count, once the writer has ended or given up waiting for it: what the
     * writer did not take is dropped. A writer stuck in the sink still owns the buffer, so then it
     * is only counted.
     *
     * @return the events dropped
     */
    synchronized int seal(boolean writerEnded) {
        sealed = true;
        writerGone = writerEnded;
        if (writerEnded) {
            return dropLeftovers(null);
        }
        int lost = buffer.size();
        dropped.add(lost);
        return lost;
    }

    /** {@code event} was added after the shutdown began; false when it is known to be dropped. */
    synchronized boolean recordedLate(AuditEvent event) {
        if (!sealed) {
            return true; // the writer takes it, or the shutdown counts it when the writer is gone
        }
        if (!writerGone) {
            dropped.increment(); // a writer stuck in the sink owns the buffer: counted, perhaps twice
            return false;
        }
        return dropLeftovers(event) >= 0;
    }

    /** Takes every event left and counts it dropped; the count, negated less one when {@code mine} was among them. */
    private int dropLeftovers(AuditEvent mine) {
        int n = 0;
        boolean found = false;
        for (AuditEvent e; (e = buffer.poll()) != null; n++) {
            found |= e == mine;
        }
        buffer.release();
        dropped.add(n);
        return found ? -n - 1 : n;
    }
}
