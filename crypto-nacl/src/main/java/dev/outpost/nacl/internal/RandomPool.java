package dev.outpost.nacl.internal;

/**
 * Nonces and message ids, drawn a few KiB at a time per thread. Each refill takes a fresh 32-byte
 * seed from the operating system's generator and expands it with ChaCha20 (libsodium's
 * {@code randombytes_buf_deterministic}): on the development VM the kernel's generator cost 24 µs
 * per 4 KiB (6 ns a byte, 0.23 µs for one message's nonce and id), a seed and its expansion 4 µs.
 * With a seed per refill, what a process whose memory was cloned (a VM snapshot restored twice)
 * would repeat is still at most the rest of one refill. Every byte handed out is used once. Only
 * for values that travel in the clear (nonces, message ids): keys come from {@link Sodium#random}
 * directly, so that no secret waits in a buffer.
 */
public final class RandomPool {
    private static final int CHUNK = 4096;
    private static final ThreadLocal<RandomPool> POOLS = ThreadLocal.withInitial(RandomPool::new);

    private final byte[] buffer = new byte[CHUNK];
    private final byte[] seed = new byte[32];
    private int next = CHUNK;

    private RandomPool() {}

    /** Fills {@code length} bytes of {@code into} from {@code offset} with random bytes. */
    public static void fill(byte[] into, int offset, int length) {
        POOLS.get().take(into, offset, length);
    }

    private void take(byte[] into, int offset, int length) {
        while (length > 0) {
            if (next == CHUNK) {
                Sodium.randomInto(seed);
                Sodium.expand(seed, buffer);
                java.util.Arrays.fill(seed, (byte) 0);
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
