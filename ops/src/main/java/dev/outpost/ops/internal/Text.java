package dev.outpost.ops.internal;

/** Small text helpers: clipping, edit distance, making hostile text printable. */
public final class Text {
    private Text() {}

    public static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, Math.max(0, max - 1)) + "…";
    }

    /**
     * Control characters (terminal escapes included) and format characters (bidirectional overrides
     * and isolates, zero-width ones: they reorder or hide what a person reads) shown as '?'.
     */
    public static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            if (c == '\n' || c == '\t' || !Character.isISOControl(c) && Character.getType(c) != Character.FORMAT) {
                b.appendCodePoint(c);
            } else {
                b.append('?');
            }
        });
        return b.toString();
    }

    /**
     * {@link #printable} on one line: line breaks ({@code \n}, U+2028, U+2029) shown as '?' too, so
     * one host's text cannot end its own line and forge the next, another host's.
     */
    public static String oneLine(String s) {
        return printable(s).replace('\n', '?').replace('\u2028', '?').replace('\u2029', '?');
    }
}
