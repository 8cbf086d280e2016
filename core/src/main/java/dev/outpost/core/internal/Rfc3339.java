package dev.outpost.core.internal;

import java.util.Optional;
import java.util.regex.Pattern;
import org.everit.json.schema.FormatValidator;

/**
 * everit's {@code date-time} check, made cheap: the stock one tries several formatters per value
 * and was half the cost of validating a request envelope. Same rule (RFC 3339 section 5.6).
 */
public final class Rfc3339 implements FormatValidator {
    private static final Pattern DATE_TIME = Pattern.compile(
            "\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])[Tt]([01]\\d|2[0-3]):[0-5]\\d:([0-5]\\d|60)(\\.\\d+)?"
                    + "([Zz]|[+-]([01]\\d|2[0-3]):[0-5]\\d)");

    @Override
    public Optional<String> validate(String subject) {
        return matches(subject) ? Optional.empty()
                : Optional.of("[" + subject + "] is not a valid date-time (RFC 3339, e.g. 2026-01-31T12:00:00Z)");
    }

    /** Whether {@code s} is an RFC 3339 date-time: {@link #DATE_TIME} checked by hand (a regex was 5 % of a request). */
    public static boolean matches(String s) {
        int n = s.length();
        if (n < 20 || !digits(s, 0, 4) || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(13) != ':'
                || s.charAt(16) != ':') {
            return false;
        }
        char t = s.charAt(10);
        if ((t != 'T' && t != 't') || !twoDigits(s, 5, 1, 12) || !twoDigits(s, 8, 1, 31) || !twoDigits(s, 11, 0, 23)
                || !twoDigits(s, 14, 0, 59) || !twoDigits(s, 17, 0, 60)) {
            return false;
        }
        int i = 19;
        if (s.charAt(i) == '.') {
            int start = ++i;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
            }
            if (i == start || i == n) {
                return false;
            }
        }
        char z = s.charAt(i);
        if (z == 'Z' || z == 'z') {
            return i + 1 == n;
        }
        return (z == '+' || z == '-') && i + 6 == n && twoDigits(s, i + 1, 0, 23) && s.charAt(i + 3) == ':'
                && twoDigits(s, i + 4, 0, 59);
    }

    /** The regular expression {@link #matches} implements, kept for the test that compares them. */
    static Pattern pattern() {
        return DATE_TIME;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean digits(String s, int at, int count) {
        for (int i = at; i < at + count; i++) {
            if (!isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean twoDigits(String s, int at, int min, int max) {
        if (!digits(s, at, 2)) {
            return false;
        }
        int v = (s.charAt(at) - '0') * 10 + s.charAt(at + 1) - '0';
        return v >= min && v <= max;
    }

    @Override
    public String formatName() {
        return "date-time";
    }
}
