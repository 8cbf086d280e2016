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
        return DATE_TIME.matcher(subject).matches() ? Optional.empty()
                : Optional.of("[" + subject + "] is not a valid date-time (RFC 3339, e.g. 2026-01-31T12:00:00Z)");
    }

    @Override
    public String formatName() {
        return "date-time";
    }
}
