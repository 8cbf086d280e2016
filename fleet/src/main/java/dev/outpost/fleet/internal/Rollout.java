package dev.outpost.fleet.internal;

import dev.outpost.fleet.HostResult;
import dev.outpost.fleet.RolloutPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where a rollout is in its plan: its batches (the canary first), the next host of the current
 * batch, hosts in flight and failures against the budget. Guarded by the call's lock.
 */
final class Rollout {
    /** What {@link #step} decided. */
    record Step(List<Slot> start, Optional<String> abort, boolean pause) {}

    private final RolloutPlan plan;
    private final List<List<String>> batches = new ArrayList<>();
    private final int maxErrors;
    private final int maxConcurrency;
    private final boolean canary;
    private int batch;
    private int nextInBatch;
    private int inFlight;
    private int errors;
    private boolean pausing;

    Rollout(RolloutPlan p, List<String> ids) {
        this.plan = p;
        int total = ids.size();
        int i = 0;
        if (p.canary().isPresent()) {
            int c = Math.max(1, Math.min(total, p.canary().get().resolve(total)));
            batches.add(ids.subList(0, c));
            i = c;
        }
        this.canary = p.canary().isPresent();
        int size = Math.max(1, p.batchSize().resolve(total));
        while (i < total) {
            int end = size >= total - i ? total : i + size; // i + size overflows for a size near Integer.MAX_VALUE
            batches.add(ids.subList(i, end));
            i = end;
        }
        this.maxErrors = p.maxErrors().resolveBudget(total);
        this.maxConcurrency = Math.max(1, p.maxConcurrency().resolve(total));
    }

    boolean pausing() {
        return pausing;
    }

    void resume() {
        pausing = false;
    }

    Duration pause() {
        return plan.pause();
    }

    /** The hosts to start now (marked sent), and whether the canary failed or a pause between batches begins. */
    Step step(Map<String, Slot> slots, boolean aborted) {
        List<Slot> start = new ArrayList<>();
        while (!aborted && batch < batches.size()) {
            List<String> current = batches.get(batch);
            while (nextInBatch < current.size() && inFlight < maxConcurrency) {
                Slot s = slots.get(current.get(nextInBatch++));
                if (s.state == Slot.State.WAITING) {
                    s.state = Slot.State.SENT;
                    inFlight++;
                    start.add(s);
                }
            }
            if (nextInBatch < current.size() || inFlight > 0 || !start.isEmpty()) {
                break;
            }
            // the batch is settled
            if (canary && batch == 0) {
                Optional<HostResult> failed = current.stream().map(id -> slots.get(id).result)
                        .filter(r -> r != null && r.outcome().isFailure()).findFirst();
                if (failed.isPresent()) {
                    return new Step(start, Optional.of("canary " + failed.get().host() + " ended "
                            + failed.get().outcome().code()), false);
                }
            }
            batch++;
            nextInBatch = 0;
            if (batch < batches.size() && plan.pause().compareTo(Duration.ZERO) > 0) {
                pausing = true;
                return new Step(start, Optional.empty(), true);
            }
        }
        return new Step(start, Optional.empty(), false);
    }

    /**
     * A host that was running is settled.
     *
     * @return the abort reason when this failure spends the error budget
     */
    Optional<String> settled(boolean failure) {
        inFlight--;
        if (failure) {
            errors++;
            if (errors > maxErrors) {
                return Optional.of("error budget spent: " + errors + " failures, maxErrors " + maxErrors);
            }
        }
        return Optional.empty();
    }
}
