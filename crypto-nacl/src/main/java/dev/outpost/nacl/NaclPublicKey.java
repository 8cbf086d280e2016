package dev.outpost.nacl;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;

/** An X25519 public key (32 bytes); its text form is standard base64. Immutable. */
public final class NaclPublicKey {
    /** Length in bytes. */
    public static final int BYTES = 32;
    /** Length of a {@linkplain #keyId() key id} in bytes. */
    public static final int KEY_ID_BYTES = 8;

    private final byte[] key;
    private final int hash;
    // Computed on first use (idempotent, so a race only computes twice; volatile so that an array is
    // never seen before its contents): a key read from a message only to look it up needs neither.
    private volatile String text;
    private volatile byte[] keyId;

    private NaclPublicKey(byte[] key) {
        this.key = key;
        this.hash = Arrays.hashCode(key);
    }

    /**
     * A key from its 32 bytes (copied).
     *
     * @throws IllegalArgumentException when the length is wrong
     */
    public static NaclPublicKey of(byte[] key) {
        Objects.requireNonNull(key, "key");
        if (key.length != BYTES) {
            throw new IllegalArgumentException("a public key is " + BYTES + " bytes, was " + key.length);
        }
        return new NaclPublicKey(key.clone());
    }

    /** A key from 32 bytes the caller hands over (not copied). */
    static NaclPublicKey wrap(byte[] key) {
        if (key.length != BYTES) {
            throw new IllegalArgumentException("a public key is " + BYTES + " bytes, was " + key.length);
        }
        return new NaclPublicKey(key);
    }

    /**
     * A key from its base64 text.
     *
     * @throws IllegalArgumentException when the text is not base64 of 32 bytes
     */
    public static NaclPublicKey parse(String base64) {
        Objects.requireNonNull(base64, "base64");
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a base64 public key: '" + abbreviate(base64) + "'");
        }
        return of(bytes);
    }

    /** A copy of the 32 bytes. */
    public byte[] bytes() {
        return key.clone();
    }

    byte[] raw() {
        return key;
    }

    /** The first 8 bytes of the key's SHA-256: how sealed messages name their recipient. */
    public byte[] keyId() {
        return rawKeyId().clone();
    }

    byte[] rawKeyId() {
        byte[] id = keyId;
        if (id == null) {
            id = id(key);
            keyId = id;
        }
        return id;
    }

    /** The key id as 16 hex digits, for logs. */
    public String keyIdHex() {
        return HexFormat.of().formatHex(rawKeyId());
    }

    /** The base64 text. */
    public String base64() {
        String t = text;
        if (t == null) {
            t = Base64.getEncoder().encodeToString(key);
            text = t;
        }
        return t;
    }

    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof NaclPublicKey k && k.hash == hash && Arrays.equals(key, k.key);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return base64();
    }

    private static byte[] id(byte[] key) {
        try {
            return Arrays.copyOf(MessageDigest.getInstance("SHA-256").digest(key), KEY_ID_BYTES);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static String abbreviate(String s) {
        String t = s.length() > 12 ? s.substring(0, 12) + "…" : s;
        return new String(t.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    }
}
