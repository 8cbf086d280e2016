package dev.outpost.kv.internal;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The names a caller may give itself for writer stamps ({@code writingAs}): 1 to 64 of
 * {@code [A-Za-z0-9._:@-]}, starting with a letter or digit. No spaces or control characters, so
 * a name can never forge the {@code NAME via IDENTITY} form or a second line.
 */
public final class WriterNames {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}");

    private WriterNames() {}

    /** Whether {@code name} is an acceptable writer name. */
    public static boolean valid(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /** {@code name}, or {@link IllegalArgumentException} saying what a writer name may be. */
    public static String check(String name) {
        Objects.requireNonNull(name, "writer");
        if (!valid(name)) {
            throw new IllegalArgumentException("a writer name is 1 to 64 of [A-Za-z0-9._:@-] starting with a letter or digit"
                    + " (no spaces), was '" + name.replaceAll("\\p{Cntrl}", "?") + "'");
        }
        return name;
    }

    /**
     * A stamp an export can import again: a sender's name has no length limit and may hold any
     * character a known-senders line keeps (controls such as NEL or ESC, which are not whitespace
     * there; a lone surrogate in a list given in code), an import line's {@code updatedBy} has a
     * limit ({@code max}) and neither, so those become {@code ?} and a long one is cut there (never
     * inside a surrogate pair).
     */
    public static String stamp(String s, int max) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), max));
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            if (pair) {
                b.append(c).append(s.charAt(++i));
            } else {
                b.append(Character.isISOControl(c) || Character.isSurrogate(c) ? '?' : c);
            }
        }
        if (b.length() <= max) {
            return b.toString();
        }
        int end = max - 3;
        if (Character.isHighSurrogate(b.charAt(end - 1))) {
            end--;
        }
        return b.substring(0, end) + "...";
    }
}
