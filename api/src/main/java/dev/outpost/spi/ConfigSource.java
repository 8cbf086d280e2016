package dev.outpost.spi;

import dev.outpost.ConfigException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * A read-only view of configuration, so that modules which depend only on the api (transports,
 * codecs) can bind their own keys. {@code outpost-core}'s {@code OutpostConfig} is the
 * implementation applications use.
 *
 * <p>Every typed getter fails with a {@link ConfigException} naming the key and the layer that set
 * it; none returns null.
 */
public interface ConfigSource {

    /** The value of {@code key}, if any layer sets it. */
    Optional<String> string(String key);

    /** Every key that is set. */
    Set<String> keys();

    /** Which layer set {@code key}: "defaults", a file path, "environment", "system properties" or "code". */
    Optional<String> sourceOf(String key);

    /**
     * The value of {@code key}, which must be set and not blank.
     *
     * @throws ConfigException naming the key when it is not
     */
    default String require(String key) {
        return string(key).filter(v -> !v.isBlank())
                .orElseThrow(() -> ConfigException.of(key, "is required but not set"));
    }

    /**
     * {@code key} as an int, when set.
     *
     * @throws ConfigException naming the key when it is not an integer
     */
    default Optional<Integer> intValue(String key) {
        return string(key).map(v -> {
            String t = v.trim();
            // Integer.parseInt also reads other scripts' digits ("١٠٠" is 100): a duration's \d reads ASCII only
            if (!DurationForm.ASCII_INTEGER.matcher(t).matches()) {
                throw ConfigException.of(key, shown(key, v) + " is not an integer" + from(key));
            }
            try {
                return Integer.parseInt(t);
            } catch (NumberFormatException e) { // digits only: too many of them
                throw ConfigException.of(key, shown(key, v) + " is outside the integer range (" + Integer.MIN_VALUE + " to "
                        + Integer.MAX_VALUE + ")" + from(key));
            }
        });
    }

    /**
     * {@code key} as a boolean ({@code true} or {@code false}), when set.
     *
     * @throws ConfigException naming the key when it is neither
     */
    default Optional<Boolean> booleanValue(String key) {
        return string(key).map(v -> switch (v.trim()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw ConfigException.of(key, shown(key, v) + " is not true or false" + from(key));
        });
    }

    /**
     * {@code key} as a duration ({@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 2d} or
     * ISO-8601 {@code PT30S}), when set.
     *
     * @throws ConfigException naming the key when it is not a duration
     */
    default Optional<Duration> duration(String key) {
        return string(key).map(v -> {
            try {
                return DurationForm.parse(v);
            } catch (IllegalArgumentException e) { // its message says what is wrong without the value
                throw ConfigException.of(key, shown(key, v) + " " + e.getMessage() + from(key));
            }
        });
    }

    /** {@code key} as a comma-separated list, blank entries dropped; empty when unset. */
    default List<String> list(String key) {
        List<String> out = new ArrayList<>();
        string(key).ifPresent(v -> {
            for (String part : v.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.trim());
                }
            }
        });
        return List.copyOf(out);
    }

    /** Every key under {@code prefix + "."}, with the prefix and dot removed, sorted. */
    default Map<String, String> subset(String prefix) {
        String p = prefix.endsWith(".") ? prefix : prefix + ".";
        Map<String, String> out = new TreeMap<>();
        for (String k : keys()) {
            if (k.startsWith(p)) {
                string(k).ifPresent(v -> out.put(k.substring(p.length()), v));
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * {@code value} of {@code key} as an error message may show it: quoted by {@link #quote} when
     * {@code key} may be shown, else only its length ({@code a value of 12 characters, not shown}).
     * This default hides the values of keys whose name looks secret (a part naming a password,
     * secret, token, key, credential...); {@code OutpostConfig} hides those its modules declare
     * secret, and masks the user-info of URLs.
     */
    default String shown(String key, String value) {
        return DurationForm.looksSecret(key) ? hidden(value) : quote(value);
    }

    /**
     * {@code value} as an error message may quote it: between single quotes, clipped to its first
     * 100 characters with the length after an ellipsis ({@code 'aaa…' (1048576 characters)}), and
     * control, format and bidirectional characters escaped (an escape character as {@code \\u001B}), so that a pasted
     * megabyte or a terminal escape does not reach a terminal or a log as it is.
     */
    static String quote(String value) {
        return DurationForm.quote(value);
    }

    /** What an error message shows of a value it must not quote: its length only. */
    static String hidden(String value) {
        return "a value of " + value.codePointCount(0, value.length()) + " characters (not shown: the key may hold a secret)";
    }

    /** " (set in LAYER)" for messages, or nothing when unknown. */
    default String from(String key) {
        return sourceOf(key).map(s -> " (set in " + s + ")").orElse("");
    }

    /**
     * Parses a duration as people write them in configuration: {@code 500ms}, {@code 30s},
     * {@code 5m}, {@code 1h}, {@code 2d}, or ISO-8601 {@code PT30S}. Modules binding their own
     * duration settings use it so every key reads durations the same way.
     *
     * @throws IllegalArgumentException naming the accepted forms when it cannot
     */
    static Duration parseDuration(String text) {
        try {
            return DurationForm.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(quote(text) + " " + e.getMessage());
        }
    }
}

/** The short duration form and the integer form (ASCII digits), compiled once; quoting for messages. */
final class DurationForm {
    static final java.util.regex.Pattern SIMPLE = java.util.regex.Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
    static final java.util.regex.Pattern ASCII_INTEGER = java.util.regex.Pattern.compile("[+-]?[0-9]+");
    /** A key part naming a secret: "password", "db-password", "api-key", "secret", "access-token", "sessionCookie"... */
    private static final java.util.regex.Pattern SECRETISH = java.util.regex.Pattern.compile(
            "(?i).*(pass(word|wd|phrase)?|secret|token|credential|private|key|auth|cookie|session|signature|salt)s?");
    private static final int MOST_SHOWN = 100;

    private DurationForm() {}

    static boolean looksSecret(String key) {
        for (String part : key.split("[.]")) {
            for (String word : part.split("[-_]")) {
                if (SECRETISH.matcher(word).matches() || SECRETISH.matcher(part).matches()) {
                    return true;
                }
            }
        }
        return false;
    }

    static String quote(String value) {
        StringBuilder out = new StringBuilder(Math.min(value.length(), MOST_SHOWN) + 40).append('\'');
        int shown = 0;
        int i = 0;
        while (i < value.length() && shown < MOST_SHOWN) {
            int c = value.codePointAt(i);
            out.append(ConfigException.escaped(c));
            i += Character.charCount(c);
            shown++;
        }
        out.append('\'');
        if (i < value.length()) {
            out.insert(out.length() - 1, '…').append(" (").append(value.codePointCount(0, value.length())).append(" characters)");
        }
        return out.toString();
    }

    /** The duration {@code text} reads as; the exception's message says why not, without the value. */
    static Duration parse(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        java.util.regex.Matcher m = DurationForm.SIMPLE.matcher(t);
        if (m.matches()) {
            try {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            } catch (NumberFormatException | ArithmeticException e) { // more than a long, or than a Duration, holds
                throw new IllegalArgumentException("is too large for a duration");
            }
        }
        try {
            return Duration.parse(text.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("is not a duration: write it as 500ms, 30s, 5m, 1h, 2d or PT30S");
        }
    }
}
