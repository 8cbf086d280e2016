package dev.outpost.cli.internal;

import dev.outpost.spi.ConfigSource;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 2d} or ISO-8601, as configuration takes them. */
public final class DurationConverter implements ITypeConverter<Duration> {
    /** The longest duration an option takes: a century, well inside what a deadline in nanoseconds holds. */
    static final Duration LONGEST = Duration.ofDays(36_500);

    @Override
    public Duration convert(String value) {
        ConfigSource one = new ConfigSource() {
            @Override
            public Optional<String> string(String key) {
                return Optional.of(value);
            }

            @Override
            public Set<String> keys() {
                return Set.of("value");
            }

            @Override
            public Optional<String> sourceOf(String key) {
                return Optional.empty();
            }
        };
        try {
            Duration d = one.duration("value").orElseThrow();
            if (d.isNegative() || d.isZero()) {
                throw new TypeConversionException("'" + value + "' is not a positive duration");
            }
            if (d.compareTo(LONGEST) > 0) {
                // deadlines are computed in nanoseconds: a longer one overflowed into an internal error
                throw new TypeConversionException("'" + value + "' is too long: at most " + LONGEST.toDays() + "d");
            }
            return d;
        } catch (RuntimeException e) {
            if (e instanceof TypeConversionException t) {
                throw t;
            }
            throw new TypeConversionException("'" + value + "' is not a duration (500ms, 10s, 5m, 1h, 2d)");
        }
    }
}
