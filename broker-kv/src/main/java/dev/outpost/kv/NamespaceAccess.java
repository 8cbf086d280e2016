package dev.outpost.kv;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Who may read and write one namespace through {@link RegistryService}.
 *
 * <p>With a sealing codec every request carries its authenticated sender: list the senders allowed
 * to read ({@link Builder#readers}) and to write ({@link Builder#writers}; writers may also read),
 * each by its name in the worker's known-senders file ({@code ops}) or by its key id (16 hex
 * digits, {@code 8e7f4fdd20a1ef77}, as {@code Keygen} and refusals print it); the base64 public key
 * is accepted too. {@code "*"} means any sender, authenticated or not. With plain JSON there is no
 * authenticated sender; give the namespace access keys instead ({@link Builder#readKey},
 * {@link Builder#writeKey}): callers put the key in the request body, where it is compared in
 * constant time (as SHA-256 digests) with the configured one. Keys are never logged and never
 * sent back; {@link #toString()} does not show them.
 *
 * <pre>{@code
 * NamespaceAccess svc = NamespaceAccess.builder().readers("*").writers("ops", "8e7f4fdd20a1ef77").build();
 * NamespaceAccess cfg = NamespaceAccess.builder().readKey(System.getenv("CFG_READ_KEY")).writeKey(System.getenv("CFG_WRITE_KEY")).build();
 * }</pre>
 */
public final class NamespaceAccess {
    private final Set<String> readers;
    private final Set<String> writers;
    private final Optional<byte[]> readKeyDigest;
    private final Optional<byte[]> writeKeyDigest;

    private NamespaceAccess(Builder b) {
        this.readers = Set.copyOf(b.readers);
        this.writers = Set.copyOf(b.writers);
        this.readKeyDigest = b.readKey;
        this.writeKeyDigest = b.writeKey;
    }

    /** A builder; with nothing set, nobody may read or write. */
    public static Builder builder() {
        return new Builder();
    }

    /** Anyone may read and write: for tests and closed networks only. */
    public static NamespaceAccess open() {
        return builder().readers("*").writers("*").build();
    }

    /**
     * Whether a caller may {@code write} (or read) given its authenticated sender id and the access
     * key it presented.
     */
    boolean allows(boolean write, Set<String> senderNames, Optional<String> accessKey) {
        Set<String> ids = write ? writers : union();
        if (ids.contains("*") || senderNames.stream().anyMatch(ids::contains)) {
            return true;
        }
        if (accessKey.isEmpty()) {
            return false;
        }
        byte[] presented = digest(accessKey.get());
        // both comparisons always run, so timing tells nothing about which key matched
        boolean w = writeKeyDigest.map(d -> MessageDigest.isEqual(d, presented)).orElse(false);
        boolean r = readKeyDigest.map(d -> MessageDigest.isEqual(d, presented)).orElse(false);
        return write ? w : w | r;
    }

    /** Whether an access key is configured for {@code write} (or read). */
    boolean hasKey(boolean write) {
        return write ? writeKeyDigest.isPresent() : writeKeyDigest.isPresent() || readKeyDigest.isPresent();
    }

    private Set<String> union() {
        Set<String> all = new TreeSet<>(readers);
        all.addAll(writers);
        return all;
    }

    static byte[] digest(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    @Override
    public String toString() {
        return "NamespaceAccess[readers=" + new TreeSet<>(readers) + ", writers=" + new TreeSet<>(writers)
                + ", readKey=" + (readKeyDigest.isPresent() ? "(set)" : "(none)")
                + ", writeKey=" + (writeKeyDigest.isPresent() ? "(set)" : "(none)") + "]";
    }

    /** Builds a {@link NamespaceAccess}. */
    public static final class Builder {
        private final Set<String> readers = new TreeSet<>();
        private final Set<String> writers = new TreeSet<>();
        private Optional<byte[]> readKey = Optional.empty();
        private Optional<byte[]> writeKey = Optional.empty();

        Builder() {}

        /** Senders that may read, by known-senders name or key id; {@code "*"} for anyone. */
        public Builder readers(String... senderIds) {
            for (String id : senderIds) {
                readers.add(requireText(id, "senderId"));
            }
            return this;
        }

        /** Senders that may write (and read), by known-senders name or key id; {@code "*"} for anyone. */
        public Builder writers(String... senderIds) {
            for (String id : senderIds) {
                writers.add(requireText(id, "senderId"));
            }
            return this;
        }

        /** An access key that allows reading (at least 16 characters). Only its digest is kept. */
        public Builder readKey(String secret) {
            this.readKey = Optional.of(digest(checkSecret(secret)));
            return this;
        }

        /** An access key that allows writing and reading (at least 16 characters). Only its digest is kept. */
        public Builder writeKey(String secret) {
            this.writeKey = Optional.of(digest(checkSecret(secret)));
            return this;
        }

        /** The rules. */
        public NamespaceAccess build() {
            return new NamespaceAccess(this);
        }

        private static String checkSecret(String secret) {
            Objects.requireNonNull(secret, "secret");
            if (secret.length() < 16) {
                // the message never shows the secret itself
                throw new IllegalArgumentException("an access key must be at least 16 characters, this one has " + secret.length());
            }
            return secret;
        }

        private static String requireText(String s, String name) {
            Objects.requireNonNull(s, name);
            if (s.isBlank()) {
                throw new IllegalArgumentException(name + " must not be blank");
            }
            return s;
        }
    }
}
