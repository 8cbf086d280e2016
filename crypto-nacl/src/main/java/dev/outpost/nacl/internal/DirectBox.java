package dev.outpost.nacl.internal;

import com.goterl.lazysodium.utils.LibraryLoader;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * libsodium's {@code crypto_box_easy_afternm} and {@code crypto_box_open_easy_afternm} on a native
 * buffer each thread keeps, bound directly (JNA direct mapping, the library Lazysodium loads, found
 * the same way). Through Lazysodium's {@code byte[]} methods every argument is an array of its own
 * that JNA copies into fresh native memory and back: a message cost three Java copies (nonce, box,
 * plain text) and four native allocations each way. Here the caller's arrays are read and written
 * at offsets, once: the box straight from the received message, the sealed bytes straight into the
 * message sent.
 *
 * <p>The buffer holds the key and the plain text only during a call: both are zeroed before it
 * returns, whatever the outcome.
 */
public final class DirectBox {
    /** Length of a box's authenticator. */
    public static final int MAC = 16;
    /** The largest box: its buffer's input view (key, nonce, box) must fit an int. */
    static final int MAX_BOX = Integer.MAX_VALUE - 64;
    private static final int KEY = 32;
    private static final int NONCE = 24;
    /** Boxes up to this size use the thread's buffer; larger ones a buffer of their own for the call. */
    private static final int KEPT = 64 * 1024;
    /**
     * A thread's buffer starts for boxes this large and grows (by powers of two, up to {@link #KEPT})
     * when a larger one comes: a thread that seals a few small messages, a client's caller thread
     * or a virtual thread, keeps a few KiB of native memory, not twice {@code KEPT}.
     */
    private static final int FIRST = 2 * 1024;
    private static final ThreadLocal<Buffer> BUFFERS = new ThreadLocal<>();
    private static final byte[] ZEROS = new byte[FIRST];

    /** Native memory for one call: the key at 0, the nonce at 32, then the input, then the output. */
    private static final class Buffer {
        static final int INPUT = 64;
        /** The largest box it takes. */
        final int box;
        final Memory memory;
        /**
         * The same memory as direct buffers, key to input's end and the output: copies through
         * them are plain Java memory copies, where each {@code Pointer.write} or {@code read} was a
         * JNI crossing of its own (seven a call). Two views, so that each stays within a buffer's
         * int-sized capacity for any box up to {@link #MAX_BOX}. Used only while {@link #memory} is open.
         */
        final ByteBuffer in;
        final ByteBuffer out;
        final Pointer nonce;
        final Pointer input;
        final Pointer output;
        final long outputAt;

        Buffer(int box) {
            this.box = box;
            outputAt = INPUT + (long) box;
            memory = new Memory(outputAt + box);
            in = memory.getByteBuffer(0, outputAt);
            out = memory.getByteBuffer(outputAt, box);
            nonce = memory.share(KEY);
            input = memory.share(INPUT);
            output = memory.share(outputAt);
        }
    }

    static {
        Sodium.box(); // Lazysodium's binding first: the loader then finds the library it loaded
        new LibraryLoader(List.of(DirectBox.class)).loadLibrary(LibraryLoader.Mode.PREFER_SYSTEM, "sodium");
        // Idempotent; should the loader have bound a copy of its own (the bundled library), it is set up too.
        if (sodium_init() < 0) {
            throw new IllegalStateException("libsodium could not be initialised");
        }
    }

    private DirectBox() {}

    private static native int sodium_init();

    private static native int crypto_box_easy_afternm(Pointer c, Pointer m, long mlen, Pointer n, Pointer k);

    private static native int crypto_box_open_easy_afternm(Pointer m, Pointer c, long clen, Pointer n, Pointer k);

    /**
     * Seals {@code head} followed by {@code body} (the plain text) with {@code key} (a shared key from
     * {@code crypto_box_beforenm}) and the 24-byte nonce at {@code nonceAt} of {@code nonceFrom},
     * writing {@link #MAC} + {@code head.length} + {@code body.length} bytes to {@code out} at {@code outAt}.
     *
     * @return false when libsodium refuses
     */
    public static boolean seal(byte[] out, int outAt, byte[] head, byte[] body, byte[] nonceFrom, int nonceAt, byte[] key) {
        int plain = head.length + body.length;
        if (plain < 0 || plain > MAX_BOX - MAC) { // overflowed: refused before the key is written anywhere
            throw new IllegalArgumentException("too large to seal: " + ((long) head.length + body.length) + " bytes");
        }
        Buffer b = buffer(plain + MAC);
        ByteBuffer in = b.in;
        try {
            in.put(0, key, 0, KEY);
            in.put(KEY, nonceFrom, nonceAt, NONCE);
            in.put(Buffer.INPUT, head, 0, head.length);
            in.put(Buffer.INPUT + head.length, body, 0, body.length);
            if (crypto_box_easy_afternm(b.output, b.input, plain, b.nonce, b.memory) != 0) {
                return false;
            }
            b.out.get(0, out, outAt, plain + MAC);
            return true;
        } finally {
            zero(in, 0, Buffer.INPUT + plain);
            release(b);
        }
    }

    /**
     * Opens the box of {@code length} bytes at {@code boxAt} of {@code message} with {@code key} and the
     * nonce at {@code nonceAt}: the first {@code head.length} bytes of the plain text go to
     * {@code head}, the rest to a new array, returned.
     *
     * @return the plain text after the head, or null when the box does not verify
     */
    public static byte[] open(byte[] message, int boxAt, int length, int nonceAt, byte[] key, byte[] head) {
        int plain = length - MAC;
        Buffer b = buffer(length);
        ByteBuffer in = b.in;
        ByteBuffer out = b.out;
        try {
            in.put(0, key, 0, KEY);
            in.put(KEY, message, nonceAt, NONCE);
            in.put(Buffer.INPUT, message, boxAt, length);
            if (crypto_box_open_easy_afternm(b.output, b.input, length, b.nonce, b.memory) != 0) {
                return null;
            }
            out.get(0, head, 0, head.length);
            byte[] rest = new byte[plain - head.length];
            out.get(head.length, rest, 0, rest.length);
            return rest;
        } finally {
            zero(in, 0, KEY);
            zero(out, 0, plain);
            release(b);
        }
    }

    /** Zeroes {@code n} bytes of {@code v} from {@code from}. */
    private static void zero(ByteBuffer v, int from, int n) {
        for (int done = 0; done < n; done += ZEROS.length) {
            v.put(from + done, ZEROS, 0, Math.min(ZEROS.length, n - done));
        }
    }

    /**
     * This thread's kept buffer from its start (key, nonce, input) and from its output, {@code n}
     * bytes each: for tests that check what a call leaves behind.
     */
    static byte[][] keptForTests(int n) {
        Buffer b = BUFFERS.get();
        return new byte[][] {b.memory.getByteArray(0, n), b.memory.getByteArray(b.outputAt, n)};
    }

    /** The largest box this thread's kept buffer takes; 0 before its first call. For tests. */
    static int keptBoxForTests() {
        Buffer b = BUFFERS.get();
        return b == null ? 0 : b.box;
    }

    /** The thread's buffer (grown for {@code box} if need be), or one for this call when the box is larger than any kept. */
    private static Buffer buffer(int box) {
        if (box > KEPT) {
            return new Buffer(box);
        }
        Buffer b = BUFFERS.get();
        if (b == null || b.box < box) {
            if (b != null) {
                b.memory.close(); // every call zeroed what it wrote of key and plain text
            }
            b = new Buffer(Math.min(KEPT, Math.max(FIRST, Integer.highestOneBit(box - 1) << 1)));
            BUFFERS.set(b);
        }
        return b;
    }

    private static void release(Buffer b) {
        if (b != BUFFERS.get()) {
            b.memory.close();
        }
    }
}
