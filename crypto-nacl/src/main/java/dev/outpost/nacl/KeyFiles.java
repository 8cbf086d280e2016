package dev.outpost.nacl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * Text key files.
 *
 * <p>A secret key file holds one line {@code outpost-nacl-secret <base64 secret key>} (comments
 * start with {@code #}); it is created readable by its owner only, and refused when it is
 * readable by group or others, as ssh refuses such keys. A public key file holds the base64 public
 * key, which is also what the known-senders file lists.
 */
public final class KeyFiles {
    private static final String SECRET_TAG = "outpost-nacl-secret";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private KeyFiles() {}

    /**
     * Writes {@code pair}'s secret key to a new file readable by its owner only.
     *
     * @throws KeyFileException when the file exists or cannot be written
     */
    public static void writeSecretKey(Path file, NaclKeyPair pair) {
        String body = "# Outpost NaCl secret key for public key " + pair.publicKey().base64() + "\n"
                + "# Keep it private: chmod 600. Anyone holding it can read and send as this host.\n"
                + SECRET_TAG + " " + Base64.getEncoder().encodeToString(pair.secret()) + "\n";
        byte[] bytes = body.getBytes(StandardCharsets.US_ASCII);
        try {
            if (Files.getFileStore(file.toAbsolutePath().getParent()).supportsFileAttributeView(PosixFileAttributeView.class)) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } else {
                Files.createFile(file);
            }
            Files.write(file, bytes, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (FileAlreadyExistsException e) {
            throw new KeyFileException(file, "already exists; refusing to overwrite a key");
        } catch (IOException e) {
            throw new KeyFileException(file, "cannot write the secret key: " + e.getMessage(), e);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /**
     * Reads a secret key file.
     *
     * @throws KeyFileException when it is missing, malformed, or readable by group or others
     */
    public static NaclKeyPair readSecretKey(Path file) {
        try {
            if (Files.getFileAttributeView(file, PosixFileAttributeView.class) != null) {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
                for (PosixFilePermission p : perms) {
                    if (!p.name().startsWith("OWNER_")) {
                        throw new KeyFileException(file, "secret key is accessible by group or others ("
                                + PosixFilePermissions.toString(perms) + "); run: chmod 600 " + file);
                    }
                }
            }
            List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
            for (String line : lines) {
                String t = line.trim();
                if (t.isEmpty() || t.startsWith("#")) {
                    continue;
                }
                String[] parts = t.split("\\s+");
                if (parts.length != 2 || !parts[0].equals(SECRET_TAG)) {
                    throw new KeyFileException(file, "not an Outpost secret key file (expected '" + SECRET_TAG + " <base64>')");
                }
                byte[] secret;
                try {
                    secret = Base64.getDecoder().decode(parts[1]);
                } catch (IllegalArgumentException e) {
                    throw new KeyFileException(file, "the secret key is not valid base64");
                }
                try {
                    return NaclKeyPair.fromSecret(secret);
                } catch (IllegalArgumentException e) {
                    throw new KeyFileException(file, e.getMessage());
                } finally {
                    Arrays.fill(secret, (byte) 0);
                }
            }
            throw new KeyFileException(file, "holds no secret key");
        } catch (IOException e) {
            throw new KeyFileException(file, "cannot read the secret key: " + e, e);
        }
    }

    /** Writes a public key file (one base64 line). */
    public static void writePublicKey(Path file, NaclPublicKey key) {
        try {
            Files.writeString(file, key.base64() + "\n", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new KeyFileException(file, "cannot write the public key: " + e.getMessage(), e);
        }
    }

    /**
     * Reads a public key file.
     *
     * @throws KeyFileException when it is missing or malformed
     */
    public static NaclPublicKey readPublicKey(Path file) {
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
                String t = line.trim();
                if (!t.isEmpty() && !t.startsWith("#")) {
                    return NaclPublicKey.parse(t.split("\\s+")[0]);
                }
            }
            throw new KeyFileException(file, "holds no public key");
        } catch (IllegalArgumentException e) {
            throw new KeyFileException(file, e.getMessage());
        } catch (IOException e) {
            throw new KeyFileException(file, "cannot read the public key: " + e, e);
        }
    }
}
