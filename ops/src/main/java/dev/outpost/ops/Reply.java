package dev.outpost.ops;

import java.util.Objects;

/**
 * The bot's answer to one command.
 *
 * @param text what to show, at most the router's bound (then {@code truncated})
 * @param ok false when the command was refused, unknown or failed, or when a host it ran on did not answer ok
 * @param truncated whether the text was cut to the bound
 */
public record Reply(String text, boolean ok, boolean truncated) {
    /** Checks the text. */
    public Reply {
        Objects.requireNonNull(text, "text");
    }
}
