package dev.outpost.kv;

import dev.outpost.core.files.OwnerOnlyFiles;
import dev.outpost.kv.internal.DiscoverySigning;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * The keys that authenticate discovery answers: a {@link DiscoveryResponder} signs each answer
 * with its Ed25519 private key, and a {@link DiscoveryClient} takes only answers signed by the
 * public key its caller pinned. Made with the JDK's own Ed25519; no other library.
 *
 * <pre>{@code
 * String pub = DiscoveryKeys.generate(Path.of("/etc/outpost/discovery.key")); // once, on the broker: "ed25519:..."
 * // the broker: signingKeyFile(Path.of("/etc/outpost/discovery.key")) or outpost.broker.discovery.signing-key-file
 * // each host: DiscoveryClient.find(broadcast, "svc/billing", DiscoveryKeys.publicKey(pub), Duration.ofSeconds(2))
 * }</pre>
 *
 * <p>From a shell: {@code outpost keygen --discovery --out FILE} (the CLI) or
 * {@code java -cp outpost-broker-kv.jar:... dev.outpost.kv.DiscoveryKeys FILE} writes {@code FILE}
 * and prints the public key. The private key file is an unencrypted PKCS#8
 * PEM file ({@code openssl genpkey -algorithm ed25519} writes the same), created owner-only
 * ({@code 0600}); the responder refuses one that other users could read, replace or own. The
 * public key's text form is {@code ed25519:} and the base64 of its 32 bytes: nothing secret, copy
 * it to every host.
 */
public final class DiscoveryKeys {
    /** What a public key's text form starts with. */
    public static final String PREFIX = "ed25519:";
    /** The DER header of an X.509 Ed25519 public key, before its 32 bytes (RFC 8410). */
    private static final byte[] X509_HEADER = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

    private DiscoveryKeys() {}

    /**
     * Makes a new key pair, writes the private key to {@code privateKeyFile} (owner-only, its missing
     * directories owner-only too) and returns the public key's text form.
     *
     * @throws UncheckedIOException when the file exists (a key is never overwritten) or cannot be written
     */
    public static String generate(Path privateKeyFile) {
        Objects.requireNonNull(privateKeyFile, "privateKeyFile");
        KeyPair pair;
        try {
            pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is required of every Java 15+ JVM", e);
        }
        try {
            if (Files.exists(privateKeyFile)) {
                throw new FileAlreadyExistsException(privateKeyFile.toString(), null, "a key is never overwritten; move it away first");
            }
            OwnerOnlyFiles.createDirectories(privateKeyFile.toAbsolutePath().getParent());
            OwnerOnlyFiles.replace(privateKeyFile, DiscoverySigning.pem(pair.getPrivate()).getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the discovery key " + privateKeyFile + ": " + e.getMessage(), e);
        }
        return text(pair.getPublic());
    }

    /**
     * The public key in {@code text} ({@code ed25519:} and base64 of 32 bytes, as {@link #generate} returns it).
     *
     * @throws IllegalArgumentException when it is not one
     */
    public static PublicKey publicKey(String text) {
        Objects.requireNonNull(text, "text");
        String t = text.strip();
        byte[] raw;
        try {
            raw = t.startsWith(PREFIX) ? Base64.getDecoder().decode(t.substring(PREFIX.length())) : new byte[0];
        } catch (IllegalArgumentException e) {
            raw = new byte[0];
        }
        if (raw.length != 32) {
            throw new IllegalArgumentException("a discovery public key is '" + PREFIX + "' and the base64 of 32 bytes"
                    + " (what DiscoveryKeys.generate returns)");
        }
        byte[] der = Arrays.copyOf(X509_HEADER, X509_HEADER.length + 32);
        System.arraycopy(raw, 0, der, X509_HEADER.length, 32);
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not an Ed25519 public key: " + e.getMessage(), e);
        }
    }

    /**
     * The text form of an Ed25519 public key: {@code ed25519:} and the base64 of its 32 bytes.
     *
     * @throws IllegalArgumentException when it is not an Ed25519 key
     */
    public static String text(PublicKey key) {
        Objects.requireNonNull(key, "key");
        byte[] der = key.getEncoded();
        if (!DiscoverySigning.isEd25519(key) || der == null || der.length != X509_HEADER.length + 32) {
            throw new IllegalArgumentException("discovery keys are Ed25519 keys, this is " + key.getAlgorithm());
        }
        return PREFIX + Base64.getEncoder().encodeToString(Arrays.copyOfRange(der, X509_HEADER.length, der.length));
    }

    /** {@code DiscoveryKeys FILE}: {@link #generate} into FILE, and print the public key to give the hosts. */
    public static void main(String... args) {
        if (args.length != 1) {
            System.err.println("usage: DiscoveryKeys PRIVATE-KEY-FILE   (writes it owner-only, prints the public key)");
            System.exit(2);
        }
        System.out.println(generate(Path.of(args[0])));
    }
}
