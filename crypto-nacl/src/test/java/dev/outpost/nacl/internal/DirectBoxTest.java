package dev.outpost.nacl.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DirectBoxTest {
    private static final byte[] KEY = filled(32, 7);

    private static byte[] filled(int n, int value) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) value);
        return b;
    }

    /** A message as the codec writes one: the 24-byte nonce, then the box sealed straight after it. */
    private static byte[] sealed(byte[] head, byte[] body) {
        byte[] out = new byte[24 + DirectBox.MAC + head.length + body.length];
        for (int i = 0; i < 24; i++) {
            out[i] = (byte) (i + 1);
        }
        assertThat(DirectBox.seal(out, 24, head, body, out, 0, KEY)).isTrue();
        return out;
    }

    @Test
    void whatIsSealedAtAnOffsetOpensAtThatOffsetSplitIntoHeadAndRest() {
        byte[] head = "stamp-of-24-bytes-------".getBytes(StandardCharsets.US_ASCII);
        byte[] body = "the payload".getBytes(StandardCharsets.US_ASCII);
        byte[] m = sealed(head, body);
        byte[] gotHead = new byte[head.length];
        byte[] rest = DirectBox.open(m, 24, m.length - 24, 0, KEY, gotHead);
        assertThat(gotHead).isEqualTo(head);
        assertThat(rest).isEqualTo(body);
    }

    @Test
    void aChangedBoxOrKeyDoesNotOpen() {
        byte[] m = sealed(filled(24, 1), filled(100, 2));
        byte[] head = new byte[24];
        byte[] changed = m.clone();
        changed[changed.length - 1] ^= 1;
        assertThat(DirectBox.open(changed, 24, changed.length - 24, 0, KEY, head)).isNull();
        assertThat(DirectBox.open(m, 24, m.length - 24, 0, filled(32, 8), head)).isNull();
        assertThat(head).containsOnly(0);
        assertThat(DirectBox.open(m, 24, m.length - 24, 0, KEY, head)).containsOnly(2);
    }

    @Test
    void neitherTheKeyNorThePlainTextStaysInTheThreadsBuffer() {
        byte[] body = filled(300, 0x5a);
        byte[] m = sealed(filled(24, 0x5a), body);
        byte[][] afterSeal = DirectBox.keptForTests(64 + 24 + 300);
        assertThat(Arrays.copyOfRange(afterSeal[0], 0, 32)).as("key").containsOnly(0);
        assertThat(Arrays.copyOfRange(afterSeal[0], 64, 64 + 24 + 300)).as("plain text").containsOnly(0);
        assertThat(DirectBox.open(m, 24, m.length - 24, 0, KEY, new byte[24])).isEqualTo(body);
        byte[][] afterOpen = DirectBox.keptForTests(24 + 300);
        assertThat(Arrays.copyOfRange(afterOpen[0], 0, 32)).as("key").containsOnly(0);
        assertThat(afterOpen[1]).as("plain text").containsOnly(0);
    }

    @Test
    void aPlainTextLongerThanOneZeroingChunkIsZeroedWhole() {
        byte[] body = filled(10_000, 0x33); // the buffer is zeroed 2 KiB at a time
        byte[] m = sealed(filled(24, 0x33), body);
        byte[][] afterSeal = DirectBox.keptForTests(64 + 24 + 10_000);
        assertThat(Arrays.copyOfRange(afterSeal[0], 64, 64 + 24 + 10_000)).as("plain text").containsOnly(0);
        assertThat(DirectBox.open(m, 24, m.length - 24, 0, KEY, new byte[24])).isEqualTo(body);
        assertThat(DirectBox.keptForTests(24 + 10_000)[1]).as("plain text").containsOnly(0);
    }

    @Test
    void aBoxLargerThanAnyKeptBufferSealsAndOpensThroughABufferOfItsOwn() {
        byte[] body = new byte[300_000];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i * 31);
        }
        byte[] m = sealed(filled(24, 9), body);
        byte[] head = new byte[24];
        assertThat(DirectBox.open(m, 24, m.length - 24, 0, KEY, head)).isEqualTo(body);
        assertThat(head).containsOnly(9);
        assertThat(DirectBox.keptBoxForTests()).as("the thread keeps at most 64 KiB").isLessThanOrEqualTo(64 * 1024);
    }

    @Test
    void aThreadKeepsABufferForTheLargestBoxItMetNotForTheLargestItCould() throws Exception {
        int[] kept = new int[3];
        byte[][] opened = new byte[1][];
        Thread t = new Thread(() -> {
            kept[0] = DirectBox.keptBoxForTests();
            sealed(filled(24, 1), filled(100, 2));
            kept[1] = DirectBox.keptBoxForTests();
            byte[] m = sealed(filled(24, 1), filled(10_000, 3));
            kept[2] = DirectBox.keptBoxForTests();
            opened[0] = DirectBox.open(m, 24, m.length - 24, 0, KEY, new byte[24]);
        });
        t.start();
        t.join();
        assertThat(kept).as("none before, 2 KiB for a small box, grown to 16 KiB for a 10 KB one").containsExactly(0, 2048, 16384);
        assertThat(opened[0]).hasSize(10_000).containsOnly(3);
    }

    @Test
    void aCallThatFailsOrThrowsLeavesNoKeyAndNoPlainTextInTheThreadsBuffer() {
        byte[] m = sealed(filled(24, 0x44), filled(500, 0x44));
        // the key goes in first: a nonce or a box out of its array's bounds throws after it
        byte[] out = new byte[24 + DirectBox.MAC + 24 + 500];
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DirectBox.seal(out, 24, filled(24, 1), filled(500, 2), new byte[10], 0, KEY))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(Arrays.copyOfRange(DirectBox.keptForTests(32)[0], 0, 32)).as("key after a seal that threw").containsOnly(0);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DirectBox.open(m, 24, m.length, 0, KEY, new byte[24]))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(Arrays.copyOfRange(DirectBox.keptForTests(32)[0], 0, 32)).as("key after an open that threw").containsOnly(0);
        // a box that does not verify: libsodium writes nothing out, and the key goes all the same
        byte[] changed = m.clone();
        changed[30] ^= 1;
        assertThat(DirectBox.open(changed, 24, changed.length - 24, 0, KEY, new byte[24])).isNull();
        byte[][] after = DirectBox.keptForTests(24 + 500);
        assertThat(Arrays.copyOfRange(after[0], 0, 32)).as("key after a refused open").containsOnly(0);
        assertThat(after[1]).as("output after a refused open").containsOnly(0);
    }

    @Test
    void boxesAtEachBufferSizeAndZeroingChunkEdgeRoundTripAndLeaveNothing() {
        int kept = 64 * 1024;
        // plain text lengths (24-byte head included) whose box is just under, at and over each edge
        for (int box : new int[] {DirectBox.MAC + 24, 2047, 2048, 2049, 4096, 4097, kept - 1, kept, kept + 1, 2 * kept + 3}) {
            byte[] body = new byte[box - DirectBox.MAC - 24];
            for (int i = 0; i < body.length; i++) {
                body[i] = (byte) (i * 7 + 1);
            }
            byte[] m = sealed(filled(24, 0x11), body);
            int keptBox = DirectBox.keptBoxForTests();
            assertThat(keptBox).isLessThanOrEqualTo(kept);
            if (box <= kept) {
                // key, nonce and plain text (as far as the test hook reads: up to the kept box's size)
                int sealedInput = Math.min(64 + box - DirectBox.MAC, keptBox);
                assertThat(DirectBox.keptForTests(sealedInput)[0]).as("key, nonce and plain text after sealing %d", box).containsOnly(0);
            }
            byte[] head = new byte[24];
            assertThat(DirectBox.open(m, 24, m.length - 24, 0, KEY, head)).as("box of %d", box).isEqualTo(body);
            assertThat(head).containsOnly(0x11);
            byte[][] left = DirectBox.keptForTests(keptBox);
            assertThat(Arrays.copyOf(left[0], 32)).as("key after opening %d", box).containsOnly(0);
            if (box <= kept) {
                // (what follows it is what the seal wrote: the box, which travels in the clear)
                assertThat(Arrays.copyOf(left[1], box - DirectBox.MAC)).as("plain text after opening %d", box).containsOnly(0);
            }
        }
    }

    @Test
    void threadsSealingAndOpeningAtOnceEachGetTheirOwnMessagesBack() throws Exception {
        int threads = 4;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            java.util.List<java.util.concurrent.Future<Integer>> done = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int seed = t;
                done.add(pool.submit(() -> {
                    java.util.Random random = new java.util.Random(seed);
                    int ok = 0;
                    for (int i = 0; i < 1_000; i++) {
                        // sizes that make each thread's buffer grow, and some that take one of their own
                        byte[] body = new byte[random.nextInt(10) == 0 ? 70_000 : random.nextInt(5_000)];
                        random.nextBytes(body);
                        byte[] m = sealed(filled(24, seed), body);
                        byte[] head = new byte[24];
                        ok += Arrays.equals(DirectBox.open(m, 24, m.length - 24, 0, KEY, head), body) && head[23] == seed ? 1 : 0;
                    }
                    return ok;
                }));
            }
            for (java.util.concurrent.Future<Integer> f : done) {
                assertThat(f.get()).isEqualTo(1_000);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
