package dev.outpost.nacl;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.outpost.spi.CodecException;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes {@link SealedCodec}'s open. Property: whatever the bytes, decoding either opens a
 * genuine message (one its sender sealed, byte for byte) or throws a {@link CodecException};
 * nothing else is ever thrown and no forgery or altered message opens.
 *
 * <p>In the default build the corpus in {@code SealedCodecFuzzTestInputs/} is replayed as ordinary
 * tests. To fuzz: {@code JAZZER_FUZZ=1 ./mvnw -pl crypto-nacl -am verify -Dtest=SealedCodecFuzzTest
 * -Dsurefire.failIfNoSpecifiedTests=false}; new findings land in that directory.
 */
class SealedCodecFuzzTest {
    private static final SealedCodec WORKER = FuzzKeys.worker();
    private static final SealedCodec CLIENT = SealedCodec.builder().identity(FuzzKeys.SENDER)
            .recipient(FuzzKeys.WORKER.publicKey()).clock(FuzzKeys.CLOCK).build();

    /**
     * The first byte taken from the end chooses what to decode: the remaining bytes as they are
     * (0), or a genuine direct (1) or group (2) message after up to 8 edits (bit flips, byte sets,
     * truncation, insertion, deletion, overwrite) that the fuzzer chooses.
     */
    @FuzzTest(maxDuration = "3m")
    void openNeverAcceptsAForgery(FuzzedDataProvider data) {
        int mode = data.consumeInt(0, 2);
        byte[] input = mode == 0 ? data.consumeRemainingAsBytes()
                : mutate(mode == 1 ? FuzzKeys.Genuine.DIRECT : FuzzKeys.Genuine.GROUP, data);
        try {
            WORKER.decodeRequest(input);
            assertThat(genuine(input)).as("opened a message its sender did not seal").isTrue();
        } catch (CodecException e) {
            assertThat(e.reason()).isNotNull();
            if (genuine(input)) {
                assertThat(e.reason()).as("a genuine message opens once, then is a replay").isEqualTo(SealRejects.REPLAY);
            }
        }
        try {
            CLIENT.decodeResponse(input);
            throw new AssertionError("opened a response no worker sealed");
        } catch (CodecException expected) {
            // the only acceptable outcome: there is no genuine response in this test
        }
    }

    /** The genuine messages open once and then are replays: without this the fuzz target would prove nothing. */
    @Test
    void theGenuineMessagesOpen() {
        SealedCodec w = FuzzKeys.worker();
        for (byte[] m : List.of(FuzzKeys.Genuine.DIRECT, FuzzKeys.Genuine.GROUP)) {
            assertThat(w.decodeRequest(m).sender().orElseThrow().name()).isEqualTo("sender");
            assertThat(genuine(m)).isTrue();
        }
        byte[] othersBoxChanged = FuzzKeys.Genuine.GROUP.clone();
        othersBoxChanged[SealedCodec.GROUP_HEADER + SealedCodec.KEY_ID] ^= 1;
        assertThat(genuine(othersBoxChanged)).isTrue();
        byte[] ownBoxChanged = FuzzKeys.Genuine.GROUP.clone();
        ownBoxChanged[SealedCodec.GROUP_HEADER + SealedCodec.GROUP_ENTRY + SealedCodec.KEY_ID] ^= 1;
        assertThat(genuine(ownBoxChanged)).isFalse();
    }

    static byte[] mutate(byte[] genuine, FuzzedDataProvider data) {
        byte[] b = genuine.clone();
        int edits = data.consumeInt(0, 8);
        for (int i = 0; i < edits; i++) {
            int op = data.consumeInt(0, 5);
            int at = data.consumeInt(0, Math.max(0, b.length - 1));
            switch (op) {
                case 0 -> {
                    if (b.length > 0) {
                        b[at] ^= (byte) (1 << data.consumeInt(0, 7));
                    }
                }
                case 1 -> {
                    if (b.length > 0) {
                        b[at] = data.consumeByte();
                    }
                }
                case 2 -> b = Arrays.copyOf(b, at);
                case 3 -> b = splice(b, at, 0, data.consumeBytes(data.consumeInt(1, 64)));
                case 4 -> b = splice(b, at, Math.min(b.length - at, data.consumeInt(1, 64)), new byte[0]);
                default -> {
                    byte[] with = data.consumeBytes(data.consumeInt(1, 64));
                    b = splice(b, at, Math.min(b.length - at, with.length), with);
                }
            }
        }
        return b;
    }

    private static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length + insert.length);
        out.write(b, 0, at);
        out.write(insert, 0, insert.length);
        out.write(b, at + remove, b.length - at - remove);
        return out.toByteArray();
    }

    /**
     * Byte for byte a message the sender sealed, except inside the other recipients' sealed group
     * keys, which the worker cannot check (changing them breaks the message for those recipients only).
     */
    static boolean genuine(byte[] input) {
        if (Arrays.equals(input, FuzzKeys.Genuine.DIRECT)) {
            return true;
        }
        byte[] group = FuzzKeys.Genuine.GROUP;
        if (input.length != group.length) {
            return false;
        }
        for (int i = 0; i < input.length; i++) {
            if (input[i] != group[i] && !inOthersSealedKey(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean inOthersSealedKey(int i) {
        for (int entry : new int[] {0, 2}) {
            int from = SealedCodec.GROUP_HEADER + entry * SealedCodec.GROUP_ENTRY + SealedCodec.KEY_ID;
            if (i >= from && i < from + SealedCodec.MAC + 64) {
                return true;
            }
        }
        return false;
    }
}
