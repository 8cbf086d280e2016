package dev.outpost.core.internal;

import dev.outpost.RejectReason;

/** What the worker's checks decided about one delivery: run it, refuse it, or drop it as a duplicate. */
sealed interface Verdict {
    /** Every check passed: run {@code entry}. */
    record Run(CollectorEntry entry) implements Verdict {}

    /** Refused without running, for {@code reason}. */
    record Reject(RejectReason reason, String detail) implements Verdict {}

    /** Refused by a {@link dev.outpost.core.RequestFilter}, answered and dead-lettered as it says. */
    record Filtered(dev.outpost.core.RequestFilter.Refusal refusal) implements Verdict {}

    /** A redelivery of a request this worker already answered. */
    record Duplicate() implements Verdict {}

    Duplicate DUPLICATE = new Duplicate();
}
