package dev.outpost.ops;

import java.util.List;

/** A command the parser cannot read, with the commands the user may have meant. */
public final class CommandException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient List<String> suggestions;

    /** A problem and its suggestions (usages of the nearest commands). */
    public CommandException(String message, List<String> suggestions) {
        super(message);
        this.suggestions = List.copyOf(suggestions);
    }

    /** Usages of the commands the user may have meant, nearest first; empty when none is close. */
    public List<String> suggestions() {
        return suggestions;
    }
}
