package dev.outpost.fleet.internal;

import dev.outpost.fleet.Impostor;
import java.util.List;

/**
 * Hostile names made safe for one log line: control characters, format characters (bidi overrides, zero-width ones)
 * and line or paragraph separators become {@code ?}; lists are cut short. A worker name may hold all but the first.
 */
final class Printable {
    private Printable() {}

    static String of(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int type = Character.getType(c);
            boolean hostile = Character.isISOControl(c) || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR;
            b.append(hostile ? '?' : c);
        }
        return b.toString();
    }

    /** {@link #of} of at most the first {@code max} characters of {@code s}, saying how long it was when cut. */
    static String clipped(String s, int max) {
        if (s.length() <= max) {
            return of(s);
        }
        int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
        return of(s.substring(0, end)) + "…(" + s.length() + " characters)";
    }

    /** The first {@code max} pairs as {@code claimed <- sender}, and how many more. */
    static String pairs(List<Impostor> list, int max) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < list.size() && i < max; i++) {
            b.append(i == 0 ? "" : ", ").append(of(list.get(i).claimedHost())).append(" <- ").append(of(list.get(i).sender()));
        }
        if (list.size() > max) {
            b.append(", and ").append(list.size() - max).append(" more listed in the summary");
        }
        return b.toString();
    }
}
