package dev.outpost.nacl.internal;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.outpost.nacl.NaclPublicKey;
import dev.outpost.nacl.SealRejects;
import dev.outpost.spi.CodecException;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Freshness and replay checks of an authentic message: refuses one sealed longer ago than the
 * window or dated too far ahead, and a second copy of one already opened inside the window, unless
 * it is the same transport message redelivered. Remembers messages in a {@link ReplayCache} and,
 * when given a registry, in replay state shared with other processes. Fails closed: a message it
 * cannot remember for its whole window, or cannot record in the shared state, is refused.
 */
public final class ReplayGuard {
    private static final Logger log = LoggerFactory.getLogger(ReplayGuard.class);
    /** Offset of the 16-byte message id inside a box's contents (after the 8-byte timestamp). */
    private static final int ID_AT = 8;

    private final long freshnessMillis;
    private final long skewMillis;
    private final ReplayCache cache;
    private final Optional<Registry> shared;
    private final String namespace;
    private final AtomicLong sharedFailures = new AtomicLong();

    /**
     * @param namespace the shared state's key prefix, ending in {@code /}
     */
    public ReplayGuard(Duration freshness, Duration clockSkew, ReplayCache cache, Optional<Registry> shared, String namespace) {
        this.freshnessMillis = millis(freshness);
        this.skewMillis = millis(clockSkew);
        this.cache = cache;
        this.shared = shared;
        this.namespace = namespace;
    }

    /**
     * Checks the message whose box began with {@code plain} (its stamp: timestamp, id) and remembers it.
     *
     * @param recipient this host's key the message was sealed for, which names its part of the shared state:
     *     during a rolling key rotation a process with the new key (and the old one as previous) and a process with
     *     only the old key record a message sealed to the old key in the same place
     * @param transportMessageId the transport's id of the message, {@code ""} when unknown
     * @throws CodecException {@code stale}, {@code replay}, {@code replay-cache-full} or {@code replay-state-unavailable}
     */
    public void check(NaclPublicKey recipient, NaclPublicKey sender, byte[] plain, long sentAt, long now,
            String transportMessageId) {
        // The distance between the two as an unsigned number: any 64-bit timestamp, no overflow.
        long gap = sentAt > now ? sentAt - now : now - sentAt;
        if (sentAt <= now && Long.compareUnsigned(gap, freshnessMillis) > 0) {
            throw new CodecException(SealRejects.STALE, "sealed " + Long.divideUnsigned(gap, 1000) + " s ago, older than the "
                    + freshnessMillis / 1000 + " s freshness window");
        }
        if (sentAt > now && Long.compareUnsigned(gap, skewMillis) > 0) {
            throw new CodecException(SealRejects.STALE, "dated " + Long.divideUnsigned(gap, 1000)
                    + " s in the future, more than the allowed clock skew");
        }
        // Remembered until the message would be refused as stale anyway: open while now - sentAt <= window.
        // Saturated: a window reaching past the last millisecond made it negative, and every message 'expired'.
        long expiresAt = sentAt >= Long.MAX_VALUE - freshnessMillis ? Long.MAX_VALUE : sentAt + freshnessMillis + 1;
        switch (cache.sighting(sender, plain, ID_AT, expiresAt, now, transportMessageId, shared.isPresent())) {
            case FIRST -> shared.ifPresent(r -> checkShared(r, recipient, sender, plain, expiresAt - now, transportMessageId));
            case REDELIVERY -> { }
            case REPLAY -> throw replay(plain);
            case UNCONFIRMED -> throw new CodecException(SealRejects.REPLAY, "message " + HexFormat.of().formatHex(plain, ID_AT, ID_AT + 4)
                    + "… arrived again in the same transport message while the shared replay state was still judging its first copy");
            case EXPIRED -> throw new CodecException(SealRejects.STALE, "its freshness window closed while it waited to be checked");
            case FULL -> throw new CodecException(SealRejects.REPLAY_CACHE_FULL, "the replay cache holds " + cache.capacity()
                    + " live messages, its capacity: refusing what it cannot remember for the freshness window (it fits "
                    + rate(cache.capacity()) + " messages a second; raise outpost.nacl.replay-cache-size or shorten"
                    + " outpost.nacl.freshness)");
            case OVER_QUOTA -> throw new CodecException(SealRejects.REPLAY_CACHE_FULL, "sender key id " + sender.keyIdHex()
                    + " holds its share of the replay cache (" + cache.perSenderQuota()
                    + " messages inside the freshness window): refusing what the cache cannot remember (a sender's share fits "
                    + rate(cache.perSenderQuota()) + " messages a second; raise outpost.nacl.replay-quota-per-sender)");
        }
    }

    /** {@code d} in milliseconds, saturated: the builder takes windows past a long of them. */
    private static long millis(Duration d) {
        return d.compareTo(Duration.ofMillis(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : d.toMillis();
    }

    /** The sustained rate {@code ids} remembered for the freshness window allow, for the operator's next step. */
    private String rate(long ids) {
        return String.format(java.util.Locale.ROOT, "%.1f", ids * 1000.0 / Math.max(1, freshnessMillis));
    }

    /** The replay cache's state now. */
    public ReplayCache.Snapshot snapshot(long now) {
        return cache.snapshot(now);
    }

    /** Whether replay state is shared through a registry. */
    public boolean isShared() {
        return shared.isPresent();
    }

    /** How often the shared replay state failed. */
    public long sharedFailures() {
        return sharedFailures.get();
    }

    /** Register-if-absent in the shared state; any failure refuses the message (and forgets it here). */
    private void checkShared(Registry registry, NaclPublicKey recipient, NaclPublicKey sender, byte[] plain, long ttlMillis,
            String transportId) {
        String key = namespace + recipient.keyIdHex() + "/" + sender.keyIdHex() + "/" + HexFormat.of().formatHex(plain, ID_AT, ID_AT + 16);
        boolean first;
        try {
            first = registerIfAbsent(registry, key, ttlMillis, transportId);
        } catch (RuntimeException e) {
            cache.forget(sender, plain, ID_AT);
            sharedFailures.incrementAndGet();
            log.warn("shared replay state failed; refusing the message: {}", e.toString());
            throw new CodecException(SealRejects.REPLAY_STATE_UNAVAILABLE, "the shared replay state could not record the message ("
                    + e.getClass().getSimpleName() + "), so it was not opened");
        } catch (Error e) {
            // forgotten too: left unconfirmed, its redelivery was refused as a replay for the whole window
            cache.forget(sender, plain, ID_AT);
            sharedFailures.incrementAndGet();
            throw e;
        }
        if (!first) {
            // Forgotten here too, so that a redelivery of this copy is judged by the registry again.
            cache.forget(sender, plain, ID_AT);
            cache.countReplay();
            throw replay(plain);
        }
        cache.confirm(sender, plain, ID_AT);
    }

    /** True when the key was created now, or holds the same transport message (redelivered to another process). */
    private static boolean registerIfAbsent(Registry registry, String key, long ttlMillis, String transportId) {
        try {
            registry.register(key, JsonNodeFactory.instance.objectNode().put("transportMessageId", transportId),
                    Optional.of(Duration.ofMillis(Math.max(1, ttlMillis))));
            return true;
        } catch (RegistryException.KeyExists e) {
            Optional<String> before = registry.get(key).map(entry -> entry.value().path("transportMessageId").asText(""));
            return !transportId.isEmpty() && before.equals(Optional.of(transportId));
        }
    }

    private static CodecException replay(byte[] plain) {
        return new CodecException(SealRejects.REPLAY, "message " + HexFormat.of().formatHex(plain, ID_AT, ID_AT + 4)
                + "… was already opened inside the freshness window");
    }
}
