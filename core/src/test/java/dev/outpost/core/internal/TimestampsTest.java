package dev.outpost.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TimestampsTest {
    @Test
    void agreesWithTheJdkOnRandomInstants() {
        Random r = new Random(3);
        for (int i = 0; i < 200_000; i++) {
            long seconds = r.nextLong() % 400_000_000_000L;
            int nanos = switch (i % 4) {
                case 0 -> 0;
                case 1 -> r.nextInt(1000) * 1_000_000;
                case 2 -> r.nextInt(1_000_000) * 1_000;
                default -> r.nextInt(1_000_000_000);
            };
            Instant t = Instant.ofEpochSecond(seconds, nanos);
            String jdk = t.toString();
            assertThat(Timestamps.format(t)).isEqualTo(jdk);
            assertThat(Timestamps.parse(jdk)).isEqualTo(t);
        }
    }

    @Test
    void theAppenderWritesWhatTheJdkWritesWithinASecondAndAcrossThem() {
        Random r = new Random(5);
        Timestamps.Appender appender = new Timestamps.Appender();
        long second = 1_780_000_000L;
        JsonBytes sb = new JsonBytes(8);
        for (int i = 0; i < 100_000; i++) {
            second += switch (i % 7) {
                case 0 -> 1; // the next second: the kept text must move on
                case 1 -> r.nextLong() % 300_000_000_000L; // far years, negative ones and past 9999 among them
                default -> 0; // the same second, as a busy writer's lines mostly are
            };
            int nanos = switch (i % 4) {
                case 0 -> 0;
                case 1 -> r.nextInt(1000) * 1_000_000;
                case 2 -> r.nextInt(1_000_000) * 1_000;
                default -> r.nextInt(1_000_000_000);
            };
            Instant t = Instant.ofEpochSecond(second, nanos);
            sb.setLength(0);
            appender.appendTo(t, sb.ascii('>'));
            assertThat(sb.toString()).isEqualTo(">" + t);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-01-31T12:00:00Z", "2026-01-31T12:00:00.5Z", "2026-01-31T12:00:00.123456789Z",
        "2026-01-31T13:00:00+01:00", "2024-02-29T00:00:00Z", "0001-01-01T00:00:00Z",
        "2026-01-01T24:00:00Z", "2026-01-01T00:00:00.Z"})
    void parsesWhatTheJdkParses(String text) {
        assertThat(Timestamps.parse(text)).isEqualTo(Instant.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-01-01T00:00:00",
        "2026-01-01T00:00:00.1234567890Z", "yesterday", "2026-01-01 00:00:00Z"})
    void refusesWhatTheJdkRefuses(String text) {
        assertThatThrownBy(() -> Instant.parse(text)).isInstanceOf(DateTimeParseException.class);
        assertThatThrownBy(() -> Timestamps.parse(text)).isInstanceOf(DateTimeParseException.class);
    }

    @Test
    void whatTheCanonicalReaderAcceptsIsValidRfc3339AndReadsAsTheJdkReadsIt() {
        Random r = new Random(5);
        int accepted = 0;
        for (int i = 0; i < 200_000; i++) {
            // the canonical shape with digits anywhere (months 00-99, day 31 in February, hour 24...)
            String s = String.format("%04d-%02d-%02dT%02d:%02d:%02d%sZ", r.nextInt(10_000), r.nextInt(14), r.nextInt(33),
                    r.nextInt(26), r.nextInt(62), r.nextInt(62), switch (i % 3) {
                        case 0 -> "";
                        case 1 -> "." + (1 + r.nextInt(999));
                        default -> "." + String.format("%09d", r.nextInt(1_000_000_000));
                    });
            Instant t = Timestamps.parseCanonical(s);
            if (t != null) {
                accepted++;
                assertThat(Rfc3339.matches(s)).as(s).isTrue();
                assertThat(t).as(s).isEqualTo(Instant.parse(s));
            } else if (Rfc3339.matches(s) && !s.startsWith("60", 17)) { // left to the JDK: what it refuses, and leap seconds
                assertThatThrownBy(() -> Instant.parse(s)).as(s).isInstanceOf(DateTimeParseException.class);
            }
        }
        assertThat(accepted).isGreaterThan(50_000);
        assertThat(Timestamps.parseCanonical("2026-01-31T13:00:00+01:00")).isNull(); // valid, but not the canonical form
    }
}
