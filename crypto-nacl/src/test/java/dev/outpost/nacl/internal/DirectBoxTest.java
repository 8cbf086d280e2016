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
}
