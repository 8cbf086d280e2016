package dev.outpost.nacl;

import java.util.Objects;

/**
 * What a {@link SealedCodec} shows in a worker's status: its replay cache and its known-senders
 * list. A snapshot; read-only.
 *
 * @param replayCache the replay cache's size, limits and refusals
 * @param knownSenders the known-senders list's source, size and last reload
 */
public record SealedCodecStatus(ReplayCacheStatus replayCache, KnownSendersStatus knownSenders) {
    /** Validates the components. */
    public SealedCodecStatus {
        Objects.requireNonNull(replayCache, "replayCache");
        Objects.requireNonNull(knownSenders, "knownSenders");
    }
}
