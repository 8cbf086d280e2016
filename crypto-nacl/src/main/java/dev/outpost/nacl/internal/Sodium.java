package dev.outpost.nacl.internal;

import com.goterl.lazysodium.LazySodiumJava;
import com.goterl.lazysodium.SodiumJava;
import com.goterl.lazysodium.interfaces.Box;
import com.goterl.lazysodium.interfaces.DiffieHellman;
import com.goterl.lazysodium.interfaces.SecretBox;

/** The one libsodium binding, loaded on first use. */
public final class Sodium {
    private static final class Holder {
        static final LazySodiumJava LS = new LazySodiumJava(new SodiumJava());
    }

    private Sodium() {}

    public static Box.Native box() {
        return Holder.LS;
    }

    public static SecretBox.Native secretBox() {
        return Holder.LS;
    }

    public static DiffieHellman.Native dh() {
        return Holder.LS;
    }

    public static byte[] random(int n) {
        return Holder.LS.randomBytesBuf(n);
    }

    /** Fills {@code into} with ChaCha20's stream under {@code seed} (32 bytes), libsodium's {@code randombytes_buf_deterministic}. */
    public static void expand(byte[] seed, byte[] into) {
        if (seed.length != 32) {
            throw new IllegalArgumentException("a seed is 32 bytes, was " + seed.length);
        }
        Holder.LS.getSodium().randombytes_buf_deterministic(into, into.length, seed);
    }

    /** Fills {@code into} with random bytes (libsodium's {@code randombytes_buf} cannot fail). */
    public static void randomInto(byte[] into) {
        Holder.LS.getSodium().randombytes_buf(into, into.length);
    }
}
