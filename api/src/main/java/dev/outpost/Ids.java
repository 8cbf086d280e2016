package dev.outpost;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ids Outpost gives requests (and anything else that needs one): unique, time-ordered ids in the UUID version 7 layout: 48 bits of Unix milliseconds, a 12-bit
 * counter that keeps ids from one JVM strictly increasing within a millisecond, and 62 random bits
 * that keep ids from different hosts apart. The random bits come from a {@link SecureRandom}: an
 * id a worker was sent must not tell it the ids of the requests sent to others.
 */
public final class Ids {
    private static final AtomicLong LAST = new AtomicLong();
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Random bytes drawn ahead: one draw of the pool costs about what one draw of eight bytes does. */
    private static final byte[] POOL = new byte[4096];
    private static int used = POOL.length;

    private Ids() {}

    /** A fresh id (36 characters) such as {@code 0190f3a2-7c41-7000-8a3e-5f0c2d9b1e77}. */
    public static String next() {
        long now = System.currentTimeMillis() << 12;
        long stamp = LAST.accumulateAndGet(now, (last, candidate) -> Math.max(last + 1, candidate));
        long msb = (stamp >>> 12) << 16 | 0x7000L | (stamp & 0xfffL);
        long lsb = randomLong() & 0x3fffffffffffffffL | 0x8000000000000000L;
        char[] out = new char[36];
        hex(out, 0, msb >>> 32, 8);
        out[8] = '-';
        hex(out, 9, msb >>> 16, 4);
        out[13] = '-';
        hex(out, 14, msb, 4);
        out[18] = '-';
        hex(out, 19, lsb >>> 48, 4);
        out[23] = '-';
        hex(out, 24, lsb, 12);
        return new String(out);
    }

    private static synchronized long randomLong() {
        if (used == POOL.length) {
            RANDOM.nextBytes(POOL);
            used = 0;
        }
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | POOL[used++] & 0xff;
        }
        return v;
    }

    private static void hex(char[] out, int at, long value, int digits) {
        for (int i = digits - 1; i >= 0; i--) {
            out[at + i] = HEX[(int) (value & 0xf)];
            value >>>= 4;
        }
    }
}
