package dev.outpost.nacl;

import dev.outpost.Ids;
import dev.outpost.core.files.OwnerOnlyFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Text key files.
 *
 * <p>A secret key file holds one line {@code outpost-nacl-secret <base64 secret key>} (comments
 * start with {@code #}); it is created readable by its owner only, and refused when group or
 * others have any access to it or when it belongs to another user than this process's (or root),
 * as ssh refuses such keys. A public key file holds the base64 public key, which is also what the
 * known-senders file lists, after a comment with its {@linkplain NaclPublicKey#keyIdHex() key id}.
 *
 * <p>The same ownership rules, minus the secrecy, apply to the known-senders file (see
 * {@link KnownSenders}): whoever can write it decides whom this host obeys.
 */
public final class KeyFiles {
    private static final String SECRET_TAG = "outpost-nacl-secret";
    /** A key file is a line or two: more is not a key file, and is not read whole. */
    static final int MAX_KEY_FILE_BYTES = 64 * 1024;

    private KeyFiles() {}

    /**
     * Writes {@code pair}'s secret key to a new file readable by its owner only.
     *
     * @throws KeyFileException when the file exists or cannot be written
     */
    public static void writeSecretKey(Path file, NaclKeyPair pair) {
        String body = "# Outpost NaCl secret key for public key " + pair.publicKey().base64()
                + " (key id " + pair.publicKey().keyIdHex() + ")\n"
                + "# Keep it private: chmod 600. Anyone holding it can read and send as this host.\n"
                + SECRET_TAG + " " + Base64.getEncoder().encodeToString(pair.secret()) + "\n";
        byte[] bytes = body.getBytes(StandardCharsets.US_ASCII);
        try {
            createNew(file, bytes, OwnerOnlyFiles.fileAttributes(file));
        } catch (FileAlreadyExistsException e) {
            throw new KeyFileException(file, "already exists; refusing to overwrite a key");
        } catch (NoSuchFileException e) {
            throw new KeyFileException(file, "cannot write the secret key: " + noFolder(file), e);
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
            checkAccess(file, Use.SECRET);
            List<String> lines = readSmall(file);
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
        } catch (NoSuchFileException e) {
            throw new KeyFileException(file, "no such secret key file; " + howToMake(file, ".key"), e);
        } catch (IOException e) {
            throw new KeyFileException(file, "cannot read the secret key: " + e, e);
        }
    }

    /** Writes a public key file: a comment with the key id, then the base64 key. Refuses to overwrite a file. */
    public static void writePublicKey(Path file, NaclPublicKey key) {
        try {
            createNew(file, ("# Outpost NaCl public key, key id " + key.keyIdHex() + "\n" + key.base64() + "\n")
                    .getBytes(StandardCharsets.US_ASCII));
        } catch (FileAlreadyExistsException e) {
            throw new KeyFileException(file, "already exists; refusing to overwrite a key");
        } catch (NoSuchFileException e) {
            throw new KeyFileException(file, "cannot write the public key: " + noFolder(file), e);
        } catch (IOException e) {
            throw new KeyFileException(file, "cannot write the public key: " + e.getMessage(), e);
        }
    }

    /**
     * Creates {@code file} holding {@code bytes}, whole or not at all, never over an existing file: written to a
     * temporary file beside it (created with {@code attributes} before a byte goes in) and synced, then hard-linked
     * under its name, which fails if the name is taken. A write that fails part way (a full disk) or a crash leaves no
     * truncated key that the next keygen would refuse to replace.
     */
    private static void createNew(Path file, byte[] bytes, FileAttribute<?>... attributes)
            throws IOException {
        Path abs = file.toAbsolutePath();
        if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(abs.toString()); // before a temporary file is made for nothing
        }
        Path tmp = abs.resolveSibling("." + abs.getFileName() + ".tmp-" + Ids.next().substring(24));
        try {
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp,
                    Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attributes)) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            try {
                Files.createLink(abs, tmp);
            } catch (UnsupportedOperationException | java.nio.file.FileSystemException e) {
                if (e instanceof FileAlreadyExistsException taken) {
                    throw taken;
                }
                Files.move(tmp, abs); // no hard links here (FAT, some network file systems): checked, then renamed
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        OwnerOnlyFiles.syncDirectory(abs.getParent());
    }

    /** What to say when a key file cannot be created because its folder is missing. */
    private static String noFolder(Path file) {
        Path folder = file.toAbsolutePath().getParent();
        return "the folder " + folder + " does not exist (create it first, owner-only: mkdir -m 700 " + folder + ")";
    }

    /**
     * Reads a public key file that decides whom this host trusts: a client's configured recipients
     * are whom it seals for and, unless known senders are named, whose answers it accepts. So it is
     * held to a known-senders file's rules (see {@link KnownSenders}): whoever could write it or its
     * directory could read the client's requests and forge its answers.
     *
     * @throws KeyFileException when it is missing, malformed, or writable by someone else
     */
    static NaclPublicKey readTrustedPublicKey(Path file) {
        try {
            checkAccess(file, Use.TRUSTED);
        } catch (NoSuchFileException e) {
            throw new KeyFileException(file, "no such public key file; " + howToMake(file, ".pub"), e);
        } catch (IOException e) {
            throw new KeyFileException(file, "cannot read the public key: " + e, e);
        }
        return readPublicKey(file);
    }

    /**
     * Reads a public key file.
     *
     * @throws KeyFileException when it is missing or malformed
     */
    public static NaclPublicKey readPublicKey(Path file) {
        try {
            for (String line : readSmall(file)) {
                String t = line.trim();
                if (!t.isEmpty() && !t.startsWith("#")) {
                    return NaclPublicKey.parse(t.split("\\s+")[0]);
                }
            }
            throw new KeyFileException(file, "holds no public key");
        } catch (IllegalArgumentException e) {
            throw new KeyFileException(file, e.getMessage());
        } catch (NoSuchFileException e) {
            throw new KeyFileException(file, "no such public key file; " + howToMake(file, ".pub"), e);
        } catch (IOException e) {
            throw new KeyFileException(file, "cannot read the public key: " + e, e);
        }
    }

    /**
     * How a user makes the missing key file {@code file}: the command line that writes it when its
     * name is one keygen writes ({@code NAME.key}, {@code NAME.pub}).
     */
    private static String howToMake(Path file, String suffix) {
        Path abs = file.toAbsolutePath();
        String name = abs.getFileName().toString();
        String pair = name.endsWith(suffix) && name.length() > suffix.length()
                ? "outpost keygen " + name.substring(0, name.length() - suffix.length()) + " --dir " + abs.getParent()
                : "outpost keygen NAME --dir DIR, then name DIR/NAME" + suffix + " here";
        return suffix.equals(".key")
                ? "make a key pair with: " + pair
                : "copy it from the host that holds the secret key, where it was made with: " + pair;
    }

    /**
     * The lines of a key file (US-ASCII), refused unless it is a regular file (a named pipe would block the reader) of
     * at most {@link #MAX_KEY_FILE_BYTES} (a file named by mistake, a log, is not read whole into memory).
     */
    private static List<String> readSmall(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            if (!Files.exists(file)) {
                throw new NoSuchFileException(file.toString());
            }
            throw new KeyFileException(file, "is not a regular file");
        }
        byte[] bytes;
        try (java.io.InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_KEY_FILE_BYTES + 1);
        }
        try {
            if (bytes.length > MAX_KEY_FILE_BYTES) {
                throw new KeyFileException(file, "is more than the " + MAX_KEY_FILE_BYTES + " bytes a key file may have");
            }
            String text = StandardCharsets.US_ASCII.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
            return List.of(text.split("\r\n|\r|\n"));
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /** What a checked file is for: how strict its permissions must be. */
    enum Use {
        /** A secret key: no access at all for group or others. */
        SECRET,
        /** A file that decides whom to trust: nobody but its owner may change it or its directory. */
        TRUSTED
    }

    /**
     * Refuses a file whose owner or mode lets someone other than this process's user (or root)
     * read a secret or change whom this host trusts, as ssh's StrictModes does. Does nothing on
     * file systems without POSIX permissions.
     *
     * @throws KeyFileException naming the file and the command that fixes it
     */
    static void checkAccess(Path file, Use use) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString());
        }
        if (!Files.isRegularFile(file)) {
            throw new KeyFileException(file, "is not a regular file");
        }
        PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        if (view == null) {
            return;
        }
        Set<PosixFilePermission> perms = view.readAttributes().permissions();
        if (use == Use.SECRET) {
            for (PosixFilePermission p : perms) {
                if (!p.name().startsWith("OWNER_")) {
                    throw new KeyFileException(file, "secret key is accessible by group or others ("
                            + PosixFilePermissions.toString(perms) + "); run: chmod 600 " + file);
                }
            }
        } else if (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new KeyFileException(file, "is writable by group or others (" + PosixFilePermissions.toString(perms)
                    + "), who could then choose whom this host obeys; run: chmod go-w " + file);
        }
        checkOwner(file, "file");
        if (use == Use.TRUSTED) {
            // Whoever can write the directory can replace the file: the one that holds the name given, and, when
            // that name is a symbolic link, the one that holds each link on the way and the file it leads to (as
            // ssh checks the real path): a link in a directory others write can be pointed at a file of theirs.
            Set<Path> dirs = new LinkedHashSet<>();
            Path real = file.toRealPath(); // first: a loop of links fails here
            Path hop = file.toAbsolutePath();
            for (int hops = 0; Files.isSymbolicLink(hop) && hops < 40; hops++) {
                dirs.add(hop.getParent());
                hop = hop.getParent().resolve(Files.readSymbolicLink(hop));
            }
            dirs.add(hop.getParent());
            dirs.add(real.getParent());
            for (Path dir : dirs) {
                if (dir != null) {
                    checkDirectory(file, dir);
                }
            }
        }
    }

    private static void checkDirectory(Path file, Path dir) throws IOException {
        // A sticky directory (/tmp) cannot be used to replace another user's file.
        Set<PosixFilePermission> dirPerms = Files.getPosixFilePermissions(dir);
        boolean sticky = Files.getFileStore(dir).supportsFileAttributeView("unix")
                && ((Integer) Files.getAttribute(dir, "unix:mode") & 01000) != 0;
        if (!sticky && (dirPerms.contains(PosixFilePermission.GROUP_WRITE)
                || dirPerms.contains(PosixFilePermission.OTHERS_WRITE))) {
            throw new KeyFileException(file, "its directory " + dir + " is writable by group or others ("
                    + PosixFilePermissions.toString(dirPerms) + "), who could replace the file; run: chmod go-w " + dir);
        }
        checkOwner(dir, "directory");
    }

    private static void checkOwner(Path path, String what) throws IOException {
        UserPrincipal owner = Files.getOwner(path);
        int me = ProcessUid.VALUE;
        if (me >= 0 && Files.getFileStore(path).supportsFileAttributeView("unix")) {
            int uid = (Integer) Files.getAttribute(path, "unix:uid");
            if (uid != 0 && uid != me) {
                throw new KeyFileException(path, what + " belongs to " + owner.getName() + " (uid " + uid
                        + "), neither this process's user (uid " + me + ") nor root, so that user controls it; run: chown "
                        + me + " " + path);
            }
            return;
        }
        // No /proc (macOS, BSD): compare by name with the user the JVM runs as.
        UserPrincipalLookupService users = path.getFileSystem().getUserPrincipalLookupService();
        String myName = System.getProperty("user.name");
        if (!owner.getName().equals("root") && !owner.equals(users.lookupPrincipalByName(myName))) {
            throw new KeyFileException(path, what + " belongs to " + owner.getName() + ", neither this process's user ("
                    + myName + ") nor root, so that user controls it; run: chown " + myName + " " + path);
        }
    }

    /** The process's effective uid, from the owner of {@code /proc/self} (Linux); -1 when unknown. */
    private static final class ProcessUid {
        static final int VALUE = read();

        private static int read() {
            try {
                return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            } catch (IOException | UnsupportedOperationException | IllegalArgumentException | SecurityException e) {
                return -1;
            }
        }
    }
}
