package dev.outpost.fleet;

import dev.outpost.OutpostException;

/**
 * A selector that cannot be parsed or built: where, and what was expected there.
 */
public final class SelectorException extends OutpostException {
    private static final long serialVersionUID = 1L;
    private final String input;
    private final int position;
    private final String expected;

    /**
     * @param input the selector text (clipped to 200 characters in the message, where control and format characters
     *     show as {@code ?}: it is what someone typed, and the message is printed)
     * @param position the 0-based character position of the problem
     * @param expected what would have been valid there
     * @param found what was there instead
     */
    public SelectorException(String input, int position, String expected, String found) {
        super("bad selector at position " + position + ": expected " + expected + " but found " + printable(found)
                + " in '" + printable(clip(input)) + "'");
        this.input = input;
        this.position = position;
        this.expected = expected;
    }

    /** The selector text. */
    public String input() {
        return input;
    }

    /** The 0-based character position of the problem. */
    public int position() {
        return position;
    }

    /** What would have been valid at {@link #position()}. */
    public String expected() {
        return expected;
    }

    private static String clip(String s) {
        return s == null ? "null" : s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }

    /** Terminal escapes and bidirectional overrides as '?': they would drive or reorder what prints the message. */
    private static String printable(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) || Character.getType(c) == Character.FORMAT ? '?' : c));
        return b.toString();
    }
}
