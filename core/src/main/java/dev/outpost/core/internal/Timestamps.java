package dev.outpost.core.internal;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;

/**
 * RFC 3339 timestamps as {@link Instant#toString()} writes them and {@link Instant#parse} reads
 * them, with a fast path for the canonical UTC form ({@code 2026-01-31T12:00:00.123Z}) that every
 * document this library writes uses; anything else (offsets, leap seconds, far years) goes to the
 * JDK. The JDK's formatter-based versions were a tenth of the worker's CPU per message.
 */
public final class Timestamps {
    private static final int[] POW10 = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000};

    private Timestamps() {}

    /** A calendar day and its epoch day: nearly every timestamp read or written falls on the same day as the last. */
    private record Day(long epochDay, int ymd) {}

    // racy by design: each Day is immutable and valid, a lost update only costs a recomputation
    private static volatile Day lastDay = new Day(0, 1970_01_01);

    /** The same text as {@link Instant#toString()}. */
    public static String format(Instant t) {
        char[] out = new char[30];
        int n = render(t, out);
        return n < 0 ? t.toString() : new String(out, 0, n);
    }

    /** Appends the same text as {@link Instant#toString()} to {@code sb}, without an intermediate string. */
    public static void appendTo(Instant t, StringBuilder sb) {
        char[] out = new char[30];
        int n = render(t, out);
        if (n < 0) {
            sb.append(t);
        } else {
            sb.append(out, 0, n);
        }
    }

    /**
     * Appends timestamps for one thread, keeping the text up to the second from the last call: a
     * writer's consecutive timestamps nearly always share it (the audit writer stamps every line).
     * Same text as {@link Instant#toString()}. Not thread-safe.
     */
    public static final class Appender {
        private long second = Long.MIN_VALUE;
        private final byte[] upToSecond = new byte[19];

        /** Appends the same text as {@link Instant#toString()} to {@code out}. */
        public void appendTo(Instant t, JsonBytes out) {
            long s = t.getEpochSecond();
            if (s != second) {
                String whole = format(Instant.ofEpochSecond(s));
                if (whole.length() != 20) { // outside years 0000..9999
                    out.utf8(t.toString());
                    return;
                }
                for (int i = 0; i < upToSecond.length; i++) {
                    upToSecond[i] = (byte) whole.charAt(i);
                }
                second = s;
            }
            out.bytes(upToSecond, 0, upToSecond.length);
            int nanos = t.getNano();
            if (nanos != 0) {
                out.ascii('.');
                if (nanos % 1_000_000 == 0) {
                    padded(out, nanos / 1_000_000, 3);
                } else if (nanos % 1_000 == 0) {
                    padded(out, nanos / 1_000, 6);
                } else {
                    padded(out, nanos, 9);
                }
            }
            out.ascii('Z');
        }

        private final byte[] digits = new byte[9];

        private void padded(JsonBytes out, int value, int width) {
            for (int i = width - 1; i >= 0; i--, value /= 10) {
                digits[i] = (byte) ('0' + value % 10);
            }
            out.bytes(digits, 0, width);
        }
    }

    /**
     * Writes the same text as {@link Instant#toString()} into {@code out} (at least 30 chars) and
     * returns its length, or -1 when outside years 0000..9999 (then use {@link #format}): for
     * writers that take chars, without an intermediate string.
     */
    public static int renderInto(Instant t, char[] out) {
        return render(t, out);
    }

    /** Writes the canonical UTC form into {@code out}; its length, or -1 when outside years 0000..9999. */
    private static int render(Instant t, char[] out) {
        long seconds = t.getEpochSecond();
        long day = Math.floorDiv(seconds, 86_400);
        int secOfDay = (int) Math.floorMod(seconds, 86_400);
        if (day < -719_528 || day > 2_932_896) { // outside years 0000..9999
            return -1;
        }
        Day d = lastDay;
        if (d.epochDay != day) {
            LocalDate date = LocalDate.ofEpochDay(day);
            d = new Day(day, date.getYear() * 10_000 + date.getMonthValue() * 100 + date.getDayOfMonth());
            lastDay = d;
        }
        int nanos = t.getNano();
        int i = 0;
        i = digits(out, i, d.ymd / 10_000, 4);
        out[i++] = '-';
        i = digits(out, i, d.ymd / 100 % 100, 2);
        out[i++] = '-';
        i = digits(out, i, d.ymd % 100, 2);
        out[i++] = 'T';
        i = digits(out, i, secOfDay / 3600, 2);
        out[i++] = ':';
        i = digits(out, i, secOfDay / 60 % 60, 2);
        out[i++] = ':';
        i = digits(out, i, secOfDay % 60, 2);
        if (nanos != 0) {
            out[i++] = '.';
            if (nanos % 1_000_000 == 0) {
                i = digits(out, i, nanos / 1_000_000, 3);
            } else if (nanos % 1_000 == 0) {
                i = digits(out, i, nanos / 1_000, 6);
            } else {
                i = digits(out, i, nanos, 9);
            }
        }
        out[i++] = 'Z';
        return i;
    }

    /**
     * Parses what {@link Instant#parse} accepts.
     *
     * @throws DateTimeParseException as {@link Instant#parse} does
     */
    public static Instant parse(String s) {
        Instant t = parseCanonical(s);
        return t != null ? t : Instant.parse(s);
    }

    /**
     * The instant of a timestamp in the canonical UTC form this library writes
     * ({@code 2026-01-31T12:00:00.123Z}, 1 to 9 fraction digits or none), or null for any other
     * text, valid or not. A non-null answer is also a valid RFC 3339 date-time, so a reader need
     * not check the text again.
     */
    public static Instant parseCanonical(String s) {
        int n = s.length();
        if (n >= 20 && n <= 30 && (s.charAt(n - 1) == 'Z') && s.charAt(4) == '-' && s.charAt(7) == '-'
                && s.charAt(10) == 'T' && s.charAt(13) == ':' && s.charAt(16) == ':') {
            int year = num(s, 0, 4);
            int month = num(s, 5, 2);
            int dayOfMonth = num(s, 8, 2);
            int hour = num(s, 11, 2);
            int minute = num(s, 14, 2);
            int second = num(s, 17, 2);
            int nanos = 0;
            boolean ok = year >= 0 && month >= 0 && dayOfMonth >= 0 && hour >= 0 && hour < 24 && minute >= 0 && minute < 60
                    && second >= 0 && second < 60;
            if (ok && n > 20) {
                int digits = n - 21;
                ok = s.charAt(19) == '.' && digits >= 1 && digits <= 9;
                if (ok) {
                    int f = num(s, 20, digits);
                    ok = f >= 0;
                    nanos = f * POW10[9 - digits];
                }
            }
            if (ok) {
                int ymd = year * 10_000 + month * 100 + dayOfMonth;
                Day d = lastDay;
                if (d.ymd != ymd) {
                    try {
                        d = new Day(LocalDate.of(year, month, dayOfMonth).toEpochDay(), ymd);
                        lastDay = d;
                    } catch (DateTimeException e) {
                        return null; // an impossible date (February 30th)
                    }
                }
                return Instant.ofEpochSecond(d.epochDay * 86_400 + hour * 3600L + minute * 60L + second, nanos);
            }
        }
        return null;
    }

    private static int num(String s, int from, int len) {
        int v = 0;
        for (int i = from; i < from + len; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static int digits(char[] out, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            out[i] = (char) ('0' + value % 10);
            value /= 10;
        }
        return at + width;
    }
}
