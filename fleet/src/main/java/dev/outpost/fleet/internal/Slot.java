package dev.outpost.fleet.internal;

import dev.outpost.fleet.HostRecord;
import dev.outpost.fleet.HostResult;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** One expected host of a call; guarded by the call's lock. */
final class Slot {
    enum State { WAITING, SENT, DONE }

    final HostRecord host;
    State state = State.WAITING;
    HostResult result;
    Instant sentAt;
    Instant expiresAt;
    long sentNanos;
    Sweeper.Task deadline;
    CompletableFuture<HostResult> awaited;

    Slot(HostRecord host) {
        this.host = host;
    }

    /** Those of {@code slots} not settled yet; under the call's lock. */
    static List<Slot> unsettled(List<Slot> slots) {
        return slots.stream().filter(s -> s.state != State.DONE).toList();
    }
}
