package dev.outpost.ops.internal;

/** Small text helpers: clipping, edit distance, making hostile text printable. */
public final class Text {
    private Text() {}

    public static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, Math.max(0, max - 1)) + "…";
    }

    /** Control characters (terminal escapes included) shown as '?'. */
    public static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            if (c == '\n' || c == '\t' || !Character.isISOControl(c)) {
                b.appendCodePoint(c);
            } else {
                b.append('?');
            }
        });
        return b.toString();
    }

}
