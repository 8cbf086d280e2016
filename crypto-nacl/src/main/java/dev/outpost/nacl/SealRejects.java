package dev.outpost.nacl;

import dev.outpost.RejectReason;

/** The reasons the sealed codec refuses a message for; none is answerable (the sender is not established). */
public final class SealRejects {
    /** The seal did not verify: tampered, truncated, or not addressed to this worker. */
    public static final RejectReason BAD_SEAL = RejectReason.of("bad-seal", false);
    /** The message was sealed for another recipient. */
    public static final RejectReason WRONG_RECIPIENT = RejectReason.of("wrong-recipient", false);
    /** A message with this id was already seen inside the freshness window. */
    public static final RejectReason REPLAY = RejectReason.of("replay", false);
    /** The message is older than the freshness window, or dated in the future. */
    public static final RejectReason STALE = RejectReason.of("stale", false);

    /**
     * The replay cache could not remember the message for its whole freshness window (it is full, or
     * the sender holds its share of it), so the message was not opened: a message that is not
     * remembered could be replayed.
     */
    public static final RejectReason REPLAY_CACHE_FULL = RejectReason.of("replay-cache-full", false);
    /** The shared replay state (a registry) could not record the message, so it was not opened. */
    public static final RejectReason REPLAY_STATE_UNAVAILABLE = RejectReason.of("replay-state-unavailable", false);

    private SealRejects() {}
}
