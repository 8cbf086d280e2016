package dev.outpost.host.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.ConfigException;
import dev.outpost.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code host.command}'s revert entries on disk, authenticated: each entry carries an HMAC-SHA256
 * made with a key the collector creates in the state directory ({@code revert.key}, 0600), so an
 * entry someone else planted, or one changed after it was written, is never run. The state
 * directory, its {@code reverts} folder and the key must belong to the process user and must not
 * be writable by others; otherwise the collector refuses to start. An entry that cannot be read,
 * fails its check, or holds a bad field is set aside ({@code .rejected}) with a warning, and the
 * others go on.
 */
public final class RevertStore {
    private static final Logger log = LoggerFactory.getLogger(RevertStore.class);
    private static final ObjectMapper MAPPER = Json.newMapper();
    private static final int MAX_ENTRY_BYTES = 1024 * 1024;
    private static final Set<PosixFilePermission> OTHERS_WRITE = Set.of(PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.OTHERS_WRITE);

    /** A verified entry. */
    public record Entry(Path file, String id, String command, JsonNode params, Instant dueAt) {}

    /** An entry that is refused; set it aside. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message, null, false, false);
        }
    }

    private final Path state;
    private final Path dir;
    private byte[] key;

    public RevertStore(Path stateDirectory) {
        this.state = stateDirectory.toAbsolutePath().normalize();
        this.dir = state.resolve("reverts");
    }

    public Path directory() {
        return dir;
    }

    /**
     * Creates (owner-only) or checks the state directory, the reverts folder and the key.
     *
     * @throws ConfigException naming {@code state-dir} when one is not the process user's or others may write it
     * @throws IOException when they cannot be created or read
     */
    public void open() throws IOException {
        DurableFiles.createDirectories(state);
        checkOwnedAndPrivate(state);
        DurableFiles.createDirectories(dir);
        checkOwnedAndPrivate(dir);
        Path keyFile = state.resolve("revert.key");
        if (!Files.exists(keyFile, LinkOption.NOFOLLOW_LINKS)) {
            byte[] fresh = new byte[32];
            new SecureRandom().nextBytes(fresh);
            Path tmp = state.resolve("revert.key.tmp");
            Files.deleteIfExists(tmp);
            DurableFiles.writeSynced(tmp, fresh);
            try {
                Files.move(tmp, keyFile, StandardCopyOption.ATOMIC_MOVE); // never replaces a key a concurrent start made
            } catch (java.nio.file.FileAlreadyExistsException e) {
                Files.deleteIfExists(tmp);
            }
            DurableFiles.syncDirectory(state);
        }
        if (Files.isSymbolicLink(keyFile) || !Files.isRegularFile(keyFile, LinkOption.NOFOLLOW_LINKS)) {
            throw ConfigException.of("state-dir", "revert.key in " + state + " is not a regular file");
        }
        checkOwnedAndPrivate(keyFile);
        if (posix(keyFile) && !Files.getPosixFilePermissions(keyFile, LinkOption.NOFOLLOW_LINKS).stream()
                .allMatch(p -> p == PosixFilePermission.OWNER_READ || p == PosixFilePermission.OWNER_WRITE)) {
            throw ConfigException.of("state-dir", "revert.key in " + state + " must be readable by its owner only (0600)");
        }
        byte[] k = Files.readAllBytes(keyFile);
        if (k.length != 32) {
            throw ConfigException.of("state-dir", "revert.key in " + state + " is damaged (not 32 bytes); remove it and the pending reverts");
        }
        key = k;
    }

    private static boolean posix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static void checkOwnedAndPrivate(Path p) throws IOException {
        if (!posix(p)) {
            return;
        }
        if (Files.isSymbolicLink(p)) {
            throw ConfigException.of("state-dir", p + " is a symbolic link; give the real directory");
        }
        String owner = Files.getOwner(p, LinkOption.NOFOLLOW_LINKS).getName();
        String me = System.getProperty("user.name");
        if (!owner.equals(me)) {
            throw ConfigException.of("state-dir", p + " belongs to '" + owner + "', not to the worker's user '" + me
                    + "': reverts are only read from a directory the worker owns");
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
        if (perms.stream().anyMatch(OTHERS_WRITE::contains)) {
            throw ConfigException.of("state-dir", p + " is writable by others (" + PosixFilePermissions.toString(perms)
                    + "); make it 0700: anyone who can write there could plant a command");
        }
    }

    /** Writes an entry durably, signed; returns its file. */
    public Path write(String id, String command, JsonNode params, Instant dueAt, String requestId, Instant createdAt) throws IOException {
        ObjectNode entry = MAPPER.createObjectNode();
        entry.put("id", id);
        entry.put("command", command);
        entry.set("params", params);
        entry.put("dueAt", dueAt.toString());
        entry.put("requestId", requestId);
        entry.put("createdAt", createdAt.toString());
        entry.put("mac", mac(entry));
        Path file = dir.resolve(String.format("%020d-%s.json", dueAt.toEpochMilli(), id));
        DurableFiles.write(file, MAPPER.writeValueAsBytes(entry));
        return file;
    }

    /** The entry files, by name (so by due time). */
    public List<Path> files() throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.json")) {
            s.forEach(files::add);
        }
        files.sort(null);
        return files;
    }

    /**
     * Reads and verifies one entry.
     *
     * @throws Refused when it is not a regular file of ours, is too large, is not JSON, fails its
     *     check, or has a bad field
     */
    public Entry read(Path file) throws IOException, Refused {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new Refused("not a regular file");
        }
        if (Files.size(file) > MAX_ENTRY_BYTES) {
            throw new Refused("larger than " + MAX_ENTRY_BYTES + " bytes");
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new Refused("not JSON");
        }
        if (node == null || !node.isObject() || !node.path("mac").isTextual()) {
            throw new Refused("not a signed revert entry");
        }
        ObjectNode o = (ObjectNode) node.deepCopy();
        String given = o.remove("mac").asText();
        if (!MessageDigest.isEqual(given.getBytes(StandardCharsets.US_ASCII), mac(o).getBytes(StandardCharsets.US_ASCII))) {
            throw new Refused("its signature does not match: the collector did not write it, or it was changed");
        }
        Instant due;
        try {
            due = Instant.parse(o.path("dueAt").asText());
        } catch (RuntimeException e) {
            throw new Refused("bad dueAt '" + o.path("dueAt").asText() + "'");
        }
        if (!o.path("command").isTextual() || !o.path("id").isTextual() || !o.path("params").isObject()) {
            throw new Refused("missing id, command or params");
        }
        return new Entry(file, o.get("id").asText(), o.get("command").asText(), o.get("params"), due);
    }

    /** Moves a refused entry out of the way ({@code NAME.rejected}), with a warning; never throws. */
    public void setAside(Path file, String why) {
        log.warn("host.command: revert entry {} set aside ({}); the others go on", file.getFileName(), why);
        try {
            Files.move(file, file.resolveSibling(file.getFileName() + ".rejected"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            log.error("host.command: could not set revert entry {} aside: {}", file.getFileName(), e.toString());
        }
    }

    /** Deletes a done entry durably. */
    public void delete(Path file) throws IOException {
        Files.deleteIfExists(file);
        DurableFiles.syncDirectory(dir);
    }

    /** The entry's signature; public for tests that forge entries with the real key. */
    public String mac(ObjectNode unsigned) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(m.doFinal(MAPPER.writeValueAsBytes(unsigned)));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static {
        // fail early on a JDK without HMAC rather than at the first revert
        try {
            Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
