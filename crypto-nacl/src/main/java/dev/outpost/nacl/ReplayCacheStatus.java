package dev.outpost.nacl;

/**
 * The state of a {@link SealedCodec}'s replay cache, for status pages and alerts. Refusals count
 * since the codec was built; a growing {@code refusedFull} or {@code refusedOverQuota} means
 * messages are being refused because the cache cannot remember them (raise
 * {@link SealedCodec.Builder#replayCacheSize} or find the sender that floods it).
 *
 * @param size messages remembered now, each until its freshness window closes
 * @param capacity the most messages remembered at once
 * @param perSenderQuota the most messages of one sender remembered at once
 * @param senders senders with messages remembered now
 * @param busiestSender the most messages one sender has remembered now
 * @param refusedFull messages refused ({@code replay-cache-full}) because the cache was full
 * @param refusedOverQuota messages refused ({@code replay-cache-full}) because their sender held its quota
 * @param replays messages refused as replays ({@code replay}), here or through the shared state
 * @param shared whether replay state is shared with other processes through a registry
 * @param sharedFailures messages refused ({@code replay-state-unavailable}) because the registry failed
 */
public record ReplayCacheStatus(int size, int capacity, int perSenderQuota, int senders, int busiestSender,
        long refusedFull, long refusedOverQuota, long replays, boolean shared, long sharedFailures) {}
