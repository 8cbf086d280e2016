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
     * A stamp an export can import again: a sender's name has no length limit, an import line's
     * {@code updatedBy} has ({@code max}), so a long one is cut there (never inside a surrogate pair).
     */
    public static String stamp(String s, int max) {
        if (s.length() <= max) {
            return s;
        }
        int end = max - 3;
        if (Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end) + "...";
    }
}
