package dev.outpost.nacl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.nacl.internal.RandomPool;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Nonces and ids from the pool are never handed out twice, across the pool's refills too. */
class RandomPoolTest {
    @Test
    void drawsNeverRepeatAcrossRefills() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 2_000; i++) {     // 2,000 × 24 bytes: several 4 KiB refills
            byte[] nonce = new byte[24];
            RandomPool.fill(nonce, 0, nonce.length);
            assertThat(seen.add(java.util.HexFormat.of().formatHex(nonce))).as("draw %d repeated", i).isTrue();
        }
    }

    @Test
    void threadsDrawDifferentStreams() throws Exception {
        byte[][] draws = new byte[2][4096];
        Thread[] threads = new Thread[2];
        for (int t = 0; t < 2; t++) {
            byte[] into = draws[t];
            threads[t] = new Thread(() -> RandomPool.fill(into, 0, into.length));
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(draws[0]).isNotEqualTo(draws[1]);
    }

    @Test
    void aDrawLargerThanThePoolIsFilledWhole() {
        byte[] big = new byte[10_000];
        RandomPool.fill(big, 0, big.length);
        int zeros = 0;
        for (int from = 0; from < big.length; from += 1_000) {
            boolean allZero = true;
            for (int i = from; i < from + 1_000; i++) {
                allZero &= big[i] == 0;
            }
            zeros += allZero ? 1 : 0;
        }
        assertThat(zeros).as("kilobytes left unfilled").isZero();
    }

    @Test
    void sealedMessagesCarryDistinctNoncesAndIds() {
        NaclKeyPair a = NaclKeyPair.generate();
        NaclKeyPair b = NaclKeyPair.generate();
        SealedCodec client = SealedCodec.builder().identity(a).recipient(b.publicKey()).build();
        byte[] one = client.seal(new byte[8], java.util.List.of(b.publicKey()));
        byte[] two = client.seal(new byte[8], java.util.List.of(b.publicKey()));
        int nonceAt = 1 + NaclPublicKey.BYTES + NaclPublicKey.KEY_ID_BYTES;
        assertThat(java.util.Arrays.copyOfRange(one, nonceAt, nonceAt + 24))
                .isNotEqualTo(java.util.Arrays.copyOfRange(two, nonceAt, nonceAt + 24));
        assertThat(NaclPublicKey.wrap(a.publicKey().bytes())).isEqualTo(a.publicKey()).hasSameHashCodeAs(a.publicKey());
    }

    @Test
    void aSeedIsExpandedWithChaCha20AsLibsodiumDocumentsIt() {
        // randombytes_buf_deterministic: the IETF ChaCha20 stream, the seed as key, the nonce "LibsodiumDRG"
        byte[] seed = new byte[32];
        for (int i = 0; i < seed.length; i++) {
            seed[i] = (byte) (i * 5 + 3);
        }
        byte[] expanded = new byte[4096];
        dev.outpost.nacl.internal.Sodium.expand(seed, expanded);
        org.bouncycastle.crypto.engines.ChaCha7539Engine chacha = new org.bouncycastle.crypto.engines.ChaCha7539Engine();
        chacha.init(true, new org.bouncycastle.crypto.params.ParametersWithIV(new org.bouncycastle.crypto.params.KeyParameter(seed),
                "LibsodiumDRG".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        byte[] stream = new byte[4096];
        chacha.processBytes(new byte[4096], 0, stream.length, stream, 0);
        assertThat(expanded).isEqualTo(stream);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> dev.outpost.nacl.internal.Sodium.expand(new byte[16], expanded))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
