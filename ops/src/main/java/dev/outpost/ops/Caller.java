package dev.outpost.ops;

import java.util.Objects;

/**
 * Who sent a command, and where.
 *
 * @param user the user id (Slack user id, or the console's user)
 * @param channel the channel id (Slack channel, or {@code console})
 */
public record Caller(String user, String channel) {
    /** Checks the components. */
    public Caller {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(channel, "channel");
    }
}
