package dev.outpost.nacl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Request;
import dev.outpost.core.json.JsonCodec;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.crypto.engines.Salsa20Engine;
import org.bouncycastle.crypto.engines.XSalsa20Engine;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.junit.jupiter.api.Test;

/**
 * Our boxes are NaCl's crypto_box: an independent implementation (Bouncy Castle's X25519,
 * Salsa20 core, XSalsa20 and Poly1305, assembled here as NaCl specifies) opens what we seal, and
 * we open what it seals.
 */
class InteropTest {
    private final SecureRandom random = new SecureRandom();
    private final NaclKeyPair alice = NaclKeyPair.generate();
    private final NaclKeyPair worker = NaclKeyPair.generate();
    private final Request request = Request.builder("outpost.ping").param("interop", true).build();

    @Test
    void bouncyCastleOpensWhatWeSeal() {
        byte[] sealed = SealedCodec.builder().identity(alice).recipient(worker.publicKey()).build().encodeRequest(request);
        assertThat(sealed[0]).isEqualTo(SealedCodec.FORMAT_DIRECT);
        byte[] senderPk = Arrays.copyOfRange(sealed, 1, 33);
        assertThat(senderPk).isEqualTo(alice.publicKey().bytes());
        byte[] nonce = Arrays.copyOfRange(sealed, 41, 65);
        byte[] box = Arrays.copyOfRange(sealed, 65, sealed.length);
        byte[] plain = boxOpen(box, nonce, senderPk, worker.secret());
        byte[] json = Arrays.copyOfRange(plain, 24, plain.length);
        assertThat(json).isEqualTo(JsonCodec.create().encodeRequest(request));
        assertThat(Math.abs(ByteBuffer.wrap(plain).getLong() - System.currentTimeMillis())).isLessThan(60_000);
    }

    @Test
    void weOpenWhatBouncyCastleSeals() {
        byte[] json = JsonCodec.create().encodeRequest(request);
        byte[] id = new byte[16];
        random.nextBytes(id);
        byte[] plain = ByteBuffer.allocate(24 + json.length).putLong(System.currentTimeMillis()).put(id).put(json).array();
        byte[] nonce = new byte[24];
        random.nextBytes(nonce);
        byte[] box = box(plain, nonce, worker.publicKey().bytes(), alice.secret());
        byte[] wire = ByteBuffer.allocate(65 + box.length).put(SealedCodec.FORMAT_DIRECT).put(alice.publicKey().bytes())
                .put(worker.publicKey().keyId()).put(nonce).put(box).array();
        SealedCodec w = SealedCodec.builder().identity(worker)
                .knownSenders(KnownSenders.of(KnownSender.of(alice.publicKey(), "alice"))).build();
        assertThat(w.decodeRequest(wire).document()).isEqualTo(request);
    }

    @Test
    void publicKeysAgreeWithX25519() {
        byte[] pk = new byte[32];
        X25519.scalarMultBase(alice.secret(), 0, pk, 0);
        assertThat(pk).isEqualTo(alice.publicKey().bytes());
    }

    // ---- crypto_box from independent primitives, as NaCl defines it

    static byte[] box(byte[] m, byte[] nonce, byte[] theirPk, byte[] mySk) {
        return secretBox(m, nonce, beforenm(theirPk, mySk));
    }

    static byte[] boxOpen(byte[] c, byte[] nonce, byte[] theirPk, byte[] mySk) {
        return secretBoxOpen(c, nonce, beforenm(theirPk, mySk));
    }

    static byte[] beforenm(byte[] theirPk, byte[] mySk) {
        byte[] shared = new byte[32];
        X25519.scalarMult(mySk, 0, theirPk, 0, shared, 0);
        return hsalsa20(shared, new byte[16]);
    }

    static byte[] hsalsa20(byte[] key, byte[] in16) {
        int[] in = new int[16];
        in[0] = 0x61707865;
        in[5] = 0x3320646e;
        in[10] = 0x79622d32;
        in[15] = 0x6b206574;
        for (int i = 0; i < 4; i++) {
            in[1 + i] = le(key, 4 * i);
            in[11 + i] = le(key, 16 + 4 * i);
            in[6 + i] = le(in16, 4 * i);
        }
        int[] x = new int[16];
        Salsa20Engine.salsaCore(20, in, x); // adds the input back: HSalsa20 wants the words without it
        int[] pick = {0, 5, 10, 15, 6, 7, 8, 9};
        ByteBuffer out = ByteBuffer.allocate(32).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int p : pick) {
            out.putInt(x[p] - in[p]);
        }
        return out.array();
    }

    static byte[] secretBox(byte[] m, byte[] nonce, byte[] k) {
        XSalsa20Engine e = new XSalsa20Engine();
        e.init(true, new ParametersWithIV(new KeyParameter(k), nonce));
        byte[] polyKey = new byte[32];
        e.processBytes(new byte[32], 0, 32, polyKey, 0);
        byte[] c = new byte[m.length];
        e.processBytes(m, 0, m.length, c, 0);
        byte[] out = new byte[16 + c.length];
        System.arraycopy(mac(polyKey, c), 0, out, 0, 16);
        System.arraycopy(c, 0, out, 16, c.length);
        return out;
    }

    static byte[] secretBoxOpen(byte[] boxed, byte[] nonce, byte[] k) {
        XSalsa20Engine e = new XSalsa20Engine();
        e.init(false, new ParametersWithIV(new KeyParameter(k), nonce));
        byte[] polyKey = new byte[32];
        e.processBytes(new byte[32], 0, 32, polyKey, 0);
        byte[] c = Arrays.copyOfRange(boxed, 16, boxed.length);
        if (!java.security.MessageDigest.isEqual(mac(polyKey, c), Arrays.copyOf(boxed, 16))) {
            throw new AssertionError("Poly1305 tag does not verify");
        }
        byte[] m = new byte[c.length];
        e.processBytes(c, 0, c.length, m, 0);
        return m;
    }

    static byte[] mac(byte[] key, byte[] c) {
        Poly1305 p = new Poly1305();
        p.init(new KeyParameter(key));
        p.update(c, 0, c.length);
        byte[] tag = new byte[16];
        p.doFinal(tag, 0);
        return tag;
    }

    static int le(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }
}
