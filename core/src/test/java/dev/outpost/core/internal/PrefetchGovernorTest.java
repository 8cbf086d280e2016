package dev.outpost.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The automatic prefetch: open while a delivery waiting for one of the runners would wait about
 * 250 ms at most (Little's law: prefetch × mean run / concurrency), closed otherwise; the slots
 * hold the concurrency plus what is open, and a permit in use is taken back when it comes back.
 */
class PrefetchGovernorTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void nothingOpensBeforeARunHasFinished() {
        Slots slots = new Slots(8);
        PrefetchGovernor g = new PrefetchGovernor(slots, 8, 72);
        for (long t = 0; t < 2_000 * MS; t += 25 * MS) {
            g.adjust(t);
        }
        assertThat(g.open()).isZero();
        assertThat(slots.capacity()).isEqualTo(8);
        assertThat(slots.availablePermits()).isEqualTo(8);
    }

    @Test
    void shortRunsOpenAllOfItAndTheWaitBoundsWhatLongerOnesOpen() {
        Slots slots = new Slots(8);
        PrefetchGovernor g = new PrefetchGovernor(slots, 8, 72);
        runs(g, 100, MS);
        g.adjust(25 * MS);
        assertThat(g.open()).isEqualTo(72); // 8 × 250 ms / 1 ms = 2,000, at most 72
        assertThat(slots.capacity()).isEqualTo(80);
        assertThat(slots.availablePermits()).isEqualTo(80);
        long t = 25 * MS;
        for (int i = 0; i < 20; i++) { // runs of 100 ms from now on: the mean moves half-way each look
            runs(g, 2, 100 * MS);
            g.adjust(t += 25 * MS);
        }
        assertThat(g.open()).isEqualTo(20); // 8 × 250 / 100
        assertThat(slots.capacity()).isEqualTo(28);
        for (int i = 0; i < 20; i++) { // and of 3 s: a waiting delivery would wait longer than a run of one
            runs(g, 1, 3_000 * MS);
            g.adjust(t += 25 * MS);
        }
        assertThat(g.open()).isZero();
        assertThat(slots.capacity()).isEqualTo(8);
    }

    @Test
    void runsThatDoNotEndCloseItAndPermitsInUseComeBackAsSlots() throws Exception {
        Slots slots = new Slots(2);
        PrefetchGovernor g = new PrefetchGovernor(slots, 2, 78);
        runs(g, 10, 1_000); // 1 µs each
        g.adjust(0);
        assertThat(g.open()).isEqualTo(78);
        slots.acquire(80); // every slot held: 2 running, 78 waiting
        long t = 0;
        while (g.open() > 0 && t < 10_000 * MS) { // no run ends: the mean is at least the time since the last did
            g.adjust(t += 25 * MS);
        }
        assertThat(g.open()).isZero();
        assertThat(t).isLessThanOrEqualTo(600 * MS); // closed once a run is past 2 × 250 ms
        assertThat(slots.capacity()).isEqualTo(2);
        assertThat(slots.availablePermits()).isEqualTo(-78);
        slots.release(80); // the held ones finish
        assertThat(slots.availablePermits()).isEqualTo(2);
    }

    @Test
    void aTimerThatLooksLateStillSeesRunsThatDoNotEnd() {
        Slots slots = new Slots(2);
        PrefetchGovernor g = new PrefetchGovernor(slots, 2, 78);
        runs(g, 10, 1_000);
        g.adjust(0);
        assertThat(g.open()).isEqualTo(78);
        long t = 0;
        // a loaded machine, a slow outbox flush: the timer looks every 250 ms instead of 25 while both runs are stuck
        while (g.open() > 0 && t < 10_000 * MS) {
            g.adjust(t += 250 * MS);
        }
        assertThat(g.open()).isZero();
        assertThat(t).isLessThanOrEqualTo(750 * MS);
    }

    @Test
    void aPauseOfTheTimerIsNoRunThatIsLate() {
        Slots slots = new Slots(8);
        PrefetchGovernor g = new PrefetchGovernor(slots, 8, 72);
        runs(g, 100, MS);
        g.adjust(25 * MS);
        assertThat(g.open()).isEqualTo(72);
        // nothing was held for an hour, so the timer did not look: the next look sees no run yet, and no run late
        g.idle();
        g.adjust(TimeUnit.HOURS.toNanos(1));
        assertThat(g.open()).isEqualTo(72);
        g.adjust(TimeUnit.HOURS.toNanos(1) + 25 * MS);
        assertThat(g.open()).isEqualTo(72);
    }

    private static void runs(PrefetchGovernor g, int n, long nanos) {
        for (int i = 0; i < n; i++) {
            g.ran(nanos);
        }
    }
}
