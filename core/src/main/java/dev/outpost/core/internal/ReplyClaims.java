package dev.outpost.core.internal;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The request ids a client sharing its reply destination sent lately, so that it takes the answers to them (late ones
 * included) and hands every other answer back for the client that sent it.
 *
 * <p>Two generations of ids, the older dropped as a new one begins: an id is remembered for one to two
 * {@link #GENERATION}s after it was claimed, and claims stay bounded ({@link #MAX_PER_GENERATION} a generation, a
 * generation ended early when full) however fast the client sends. An id claimed again (when its call ends) is
 * remembered from then.
 */
public final class ReplyClaims {
    /** How long a generation lasts: an answer later than this after its call ended is another's, or no one's. */
    public static final Duration GENERATION = Duration.ofMinutes(5);
    /** Ids a generation holds before the next begins. */
    public static final int MAX_PER_GENERATION = 50_000;

    private final LongSupplier ticker;
    private volatile Set<String> current = ConcurrentHashMap.newKeySet();
    private volatile Set<String> previous = Set.of();
    private volatile long generationEnds;

    public ReplyClaims(LongSupplier ticker) {
        this.ticker = ticker;
        this.generationEnds = ticker.getAsLong() + GENERATION.toNanos();
    }

    /** Remembers {@code requestId} as one of this client's. */
    public void claim(String requestId) {
        turn();
        current.add(requestId);
    }

    /** Whether this client sent {@code requestId} lately. */
    public boolean isMine(String requestId) {
        turn();
        return current.contains(requestId) || previous.contains(requestId);
    }

    private void turn() {
        long now = ticker.getAsLong();
        if (now - generationEnds < 0 && current.size() < MAX_PER_GENERATION) {
            return;
        }
        synchronized (this) {
            if (now - generationEnds >= 0 || current.size() >= MAX_PER_GENERATION) {
                previous = current;
                current = ConcurrentHashMap.newKeySet();
                generationEnds = now + GENERATION.toNanos();
            }
        }
    }
}
