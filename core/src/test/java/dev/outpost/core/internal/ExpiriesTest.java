package dev.outpost.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ExpiriesTest {
    private final AtomicLong now = new AtomicLong();
    private final Expiries expiries = new Expiries(now::get);

    @Test
    void callsAnsweredLongBeforeTheirTimeoutDoNotStayQueuedUntilIt() {
        AtomicInteger ran = new AtomicInteger();
        Expiries.Expiry kept = expiries.add(TimeUnit.MINUTES.toNanos(1), ran::incrementAndGet);
        for (int i = 0; i < 100_000; i++) {
            expiries.add(TimeUnit.MINUTES.toNanos(1), ran::incrementAndGet).cancel();
        }
        expiries.sweep();
        assertThat(expiries.size()).as("one live entry; the cancelled ones are let go").isEqualTo(1);
        now.addAndGet(TimeUnit.MINUTES.toNanos(1));
        expiries.sweep();
        assertThat(ran).as("the live one still runs, the cancelled ones never").hasValue(1);
        kept.cancel(); // after it ran: nothing
        assertThat(expiries.size()).isZero();
    }

    @Test
    void aCancelThatLosesTheRaceToTheSweepIsNotCountedSoTheQueueIsNotRescannedForNothing() {
        List<Expiries.Expiry> due = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            due.add(expiries.add(1, () -> { }));
        }
        now.addAndGet(2);
        expiries.sweep(); // all ran
        due.forEach(Expiries.Expiry::cancel); // answers that came after their timeout
        // live entries: were the late cancels counted, every sweep would scan these for cancelled ones
        for (int i = 0; i < 100; i++) {
            expiries.add(TimeUnit.MINUTES.toNanos(1), () -> { });
        }
        expiries.sweep();
        assertThat(expiries.size()).isEqualTo(100);
        for (int i = 0; i < 40; i++) {
            expiries.add(TimeUnit.MINUTES.toNanos(1), () -> { }).cancel();
        }
        expiries.sweep();
        assertThat(expiries.size()).as("40 cancelled of 140: below the bar, kept for now").isEqualTo(140);
    }
}
