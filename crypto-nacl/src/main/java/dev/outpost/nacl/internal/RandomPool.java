package dev.outpost.nacl.internal;

/**
 * Nonces and message ids from libsodium's generator, drawn a few KiB at a time per thread: each
 * draw is a JNA call and a {@code getrandom} system call, which cost more than sealing a small
 * message. Every byte handed out is used once. Only for values that travel in the clear (nonces,
 * message ids): keys come from {@link Sodium#random} directly, so that no secret waits in a buffer.
 */
public final class RandomPool {
    private static final int CHUNK = 4096;
    private static final ThreadLocal<RandomPool> POOLS = ThreadLocal.withInitial(RandomPool::new);

    private final byte[] buffer = new byte[CHUNK];
    private int next = CHUNK;

    private RandomPool() {}

    /** Fills {@code length} bytes of {@code into} from {@code offset} with random bytes. */
    public static void fill(byte[] into, int offset, int length) {
        POOLS.get().take(into, offset, length);
    }

    private void take(byte[] into, int offset, int length) {
        while (length > 0) {
            if (next == CHUNK) {
                Sodium.randomInto(buffer);
                next = 0;
            }
            int n = Math.min(length, CHUNK - next);
            System.arraycopy(buffer, next, into, offset, n);
            // Forget what was handed out, so that the buffer never holds a value twice.
            java.util.Arrays.fill(buffer, next, next + n, (byte) 0);
            next += n;
            offset += n;
            length -= n;
        }
    }
}
