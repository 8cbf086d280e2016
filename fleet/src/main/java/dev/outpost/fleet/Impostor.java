package dev.outpost.fleet;

import java.util.Objects;

/**
 * An answer a fleet call refused because the sender its codec authenticated (a sealed fleet's
 * known-senders name) is not the host the answer names: one known worker answering in another's
 * name. The claimed host is still waiting for its own answer (or ends {@code no-reply}).
 *
 * @param claimedHost the host id the answer names, at most {@value #MAX_CHARS} characters
 * @param sender the authenticated sender's name, at most {@value #MAX_CHARS} characters
 */
public record Impostor(String claimedHost, String sender) {
    /** Longer names are cut to this many characters: both come from hostile input. */
    public static final int MAX_CHARS = 200;

    /** Validates and bounds the components. */
    public Impostor {
        claimedHost = bounded(Objects.requireNonNull(claimedHost, "claimedHost"));
        sender = bounded(Objects.requireNonNull(sender, "sender"));
    }

    private static String bounded(String s) {
        return s.length() > MAX_CHARS ? s.substring(0, MAX_CHARS) : s;
    }
}
