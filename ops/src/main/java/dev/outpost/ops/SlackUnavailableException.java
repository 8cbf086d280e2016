package dev.outpost.ops;

import dev.outpost.OutpostException;

/**
 * The ops bot could not reach Slack when it started: no answer from its Web API or its Socket Mode
 * connection. The message names the API address (never a token) and what failed; starting again
 * later may succeed. A token Slack answered and refused is a {@link dev.outpost.ConfigException}
 * naming the token's key instead.
 */
public final class SlackUnavailableException extends OutpostException {
    private static final long serialVersionUID = 1L;

    /** Slack at {@code where} could not be reached, for {@code cause}. */
    public SlackUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
