package dev.outpost.fleet;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * A ticker that counts the readings {@code Sweeper.schedule} makes on behalf of one method: what a test waits for
 * before it moves the clock, since moving it before that reading puts the scheduled work a whole period later than
 * the test ever goes.
 */
final class SchedulingTicker implements LongSupplier {
    private final LongSupplier ticks;
    private final String scheduler;
    private final AtomicInteger scheduled;

    /**
     * @param scheduler the method (class name, '.', method name) whose schedules are counted
     * @param scheduled the count, which several tickers of one test may share
     */
    SchedulingTicker(LongSupplier ticks, String scheduler, AtomicInteger scheduled) {
        this.ticks = ticks;
        this.scheduler = scheduler;
        this.scheduled = scheduled;
    }

    @Override
    public long getAsLong() {
        boolean counted = StackWalker.getInstance().walk(frames -> frames
                .map(f -> f.getClassName() + "." + f.getMethodName())
                .dropWhile(m -> !m.equals("dev.outpost.fleet.internal.Sweeper.schedule")).skip(1).findFirst()
                .filter(scheduler::equals).isPresent());
        if (counted) {
            scheduled.incrementAndGet();
        }
        return ticks.getAsLong();
    }
}
