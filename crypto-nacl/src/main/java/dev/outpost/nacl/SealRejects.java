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

    private SealRejects() {}
}
