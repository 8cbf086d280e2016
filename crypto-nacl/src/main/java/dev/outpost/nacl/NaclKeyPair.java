package dev.outpost.nacl;

import dev.outpost.nacl.internal.Sodium;
import java.util.Arrays;
import java.util.Objects;

/**
 * An X25519 key pair for sealed messages. The secret half never leaves this object except to
 * libsodium and to {@link KeyFiles}; {@link #toString()} shows only the public key. {@link #close()}
 * wipes the secret.
 */
public final class NaclKeyPair implements AutoCloseable {
    /** Secret key length in bytes. */
    public static final int SECRET_BYTES = 32;

    private final NaclPublicKey publicKey;
    private final byte[] secret;
    private volatile boolean wiped;

    private NaclKeyPair(NaclPublicKey publicKey, byte[] secret) {
        this.publicKey = publicKey;
        this.secret = secret;
    }

    /** A fresh random key pair. */
    public static NaclKeyPair generate() {
        byte[] pk = new byte[NaclPublicKey.BYTES];
        byte[] sk = new byte[SECRET_BYTES];
        if (!Sodium.box().cryptoBoxKeypair(pk, sk)) {
            throw new NaclException("libsodium could not generate a key pair");
        }
        return new NaclKeyPair(NaclPublicKey.of(pk), sk);
    }

    /**
     * The key pair of a secret key (copied; the caller should wipe its array).
     *
     * @throws IllegalArgumentException when the length is wrong
     */
    public static NaclKeyPair fromSecret(byte[] secretKey) {
        Objects.requireNonNull(secretKey, "secretKey");
        if (secretKey.length != SECRET_BYTES) {
            throw new IllegalArgumentException("a secret key is " + SECRET_BYTES + " bytes, was " + secretKey.length);
        }
        byte[] sk = secretKey.clone();
        byte[] pk = new byte[NaclPublicKey.BYTES];
        if (!Sodium.dh().cryptoScalarMultBase(pk, sk)) {
            Arrays.fill(sk, (byte) 0);
            throw new NaclException("libsodium could not derive the public key");
        }
        return new NaclKeyPair(NaclPublicKey.of(pk), sk);
    }

    /** The public half. */
    public NaclPublicKey publicKey() {
        return publicKey;
    }

    /** The secret, for libsodium and key files only. */
    byte[] secret() {
        if (wiped) {
            throw new IllegalStateException("key pair " + publicKey.keyIdHex() + " was closed");
        }
        return secret;
    }

    /** Overwrites the secret with zeros; the pair is unusable afterwards. */
    @Override
    public void close() {
        wiped = true;
        Arrays.fill(secret, (byte) 0);
    }

    @Override
    public String toString() {
        return "NaclKeyPair[public=" + publicKey.base64() + ", secret=****]";
    }
}
