package dev.outpost.fleet.internal;

import dev.outpost.fleet.HostRecord;
import dev.outpost.fleet.HostResult;
import java.time.Instant;
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
}
