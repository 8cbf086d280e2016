package dev.outpost.core.outbox;

import dev.outpost.core.files.OwnerOnlyFiles;
import dev.outpost.spi.Message;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * A durable FIFO of messages waiting to be sent, one file per message ({@code <sequence>.msg}) in
 * an owner-only directory (0700, files 0600). An append returns only when the message is on disk
 * (file and directory fsynced, written to a temporary file and renamed, so a crash leaves either
 * the whole message or nothing). The storage of the worker's result outbox and of
 * {@code outpost-collectors-host}'s {@code OutboxTransport}; it sends nothing itself.
 *
 * <p>{@link #open()} refuses a directory another user owns or other users may write (what they put there would be sent
 * under this host's name), drops interrupted writes and sets aside unreadable entries, and anything
 * but a regular file (a link is never followed), as {@code <sequence>.damaged}. Bounds are the
 * caller's policy: {@link #size()} and {@link #bytes()} say how much is kept. Thread-safe.
 */
public final class MessageJournal {
    private static final int MAGIC = 0x4f50_4f31; // "OPO1"
    private static final FileAttribute<?>[] OWNER_ONLY = OwnerOnlyFiles.fileAttributes(Path.of(""));

    /**
     * One kept message.
     *
     * @param seq its sequence: entries are kept and read in this order
     * @param destination where it goes
     * @param message the message, with its attributes
     */
    public record Entry(long seq, String destination, Message message) {
        /** Validates the components. */
        public Entry {
            Objects.requireNonNull(destination, "destination");
            Objects.requireNonNull(message, "message");
        }
    }

    private final Path dir;
    /** The first 20-digit name that is no sequence of this journal's: 10^18, which no count of appends reaches. */
    private static final String FIRST_FOREIGN = "01000000000000000000";
    /** The most attributes an entry holds (a damaged count must not make a reader loop for ever). */
    private static final int MAX_ATTRIBUTES = 1000;
    /** The largest entry a byte array can hold. */
    private static final long MAX_ENTRY_BYTES = Integer.MAX_VALUE - 8;
    private final TreeMap<Long, Long> sizes = new TreeMap<>();
    private long bytes;
    private long nextSeq;
    private boolean opened;

    /** A journal in {@code dir}; nothing is read or created before {@link #open()}. */
    public MessageJournal(Path dir) {
        this.dir = Objects.requireNonNull(dir, "dir");
    }

    /**
     * Creates the directory (owner-only), drops interrupted writes and indexes what is waiting.
     *
     * @throws IOException when the directory cannot be used, belongs to another user, or other users may write in it
     */
    public synchronized void open() throws IOException {
        if (opened) {
            return;
        }
        OwnerOnlyFiles.createDirectories(dir);
        if (OwnerOnlyFiles.posix(dir) && Files.getPosixFilePermissions(dir).stream()
                .anyMatch(p -> p == PosixFilePermission.GROUP_WRITE || p == PosixFilePermission.OTHERS_WRITE)) {
            // an existing directory is used as it is: what others put there would be sent as this host's (sticky or not)
            throw new IOException(dir + " is writable by other users, who could put messages in it to be sent under this host's"
                    + " name: chmod 700 " + dir);
        }
        if (OwnerOnlyFiles.posix(dir)) {
            // its owner may write whatever the mode says (0700 keeps out everyone else, not them)
            java.nio.file.attribute.UserPrincipal owner = Files.getOwner(dir);
            String me = System.getProperty("user.name");
            java.nio.file.attribute.UserPrincipal self;
            try {
                self = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(me);
            } catch (java.nio.file.attribute.UserPrincipalNotFoundException unknown) {
                self = owner; // a uid with no name (a container's): nothing to compare with, as before
            }
            if (!owner.equals(self)) {
                throw new IOException(dir + " belongs to '" + owner.getName() + "', not to this process's user '" + me
                        + "', who could put messages in it to be sent under this host's name: use a directory of your own");
            }
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                String name = p.getFileName().toString();
                if (name.endsWith(".tmp")) {
                    Files.deleteIfExists(p); // a crash came before the rename: that append never returned
                } else if (name.matches("\\d{20}\\.msg")) {
                    String digits = name.substring(0, 20);
                    if (digits.compareTo(FIRST_FOREIGN) >= 0) {
                        // not a sequence this journal writes (past 10^18; past a long, it would not even parse): kept aside
                        Files.move(p, dir.resolve(digits + ".damaged"), StandardCopyOption.REPLACE_EXISTING);
                        continue;
                    }
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    if (!a.isRegularFile()) {
                        // not written by this journal (it writes regular files): a link's size failed the open when broken
                        Files.move(p, dir.resolve(digits + ".damaged"), StandardCopyOption.REPLACE_EXISTING);
                        continue;
                    }
                    long seq = Long.parseLong(digits);
                    long size = a.size();
                    sizes.put(seq, size);
                    bytes += size;
                }
            }
        }
        nextSeq = sizes.isEmpty() ? 1 : sizes.lastKey() + 1;
        opened = true;
    }

    /** The directory. */
    public Path directory() {
        return dir;
    }

    /** Appends durably; returns the entry's sequence. */
    public synchronized long append(String destination, Message message) throws IOException {
        byte[] encoded = encode(destination, message);
        long seq = nextSeq++;
        Path target = path(seq);
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE), OWNER_ONLY)) {
                ByteBuffer buf = ByteBuffer.wrap(encoded);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException e) {
            // a full disk fails here: what was written of the entry goes now, not at the next start
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        syncDirectory(dir);
        sizes.put(seq, (long) encoded.length);
        bytes += encoded.length;
        return seq;
    }

    /** An upper bound of the bytes {@link #append} writes for this message (to check a bound before writing). */
    public static long encodedSize(String destination, Message message) {
        long n = 16 + destination.length() * 3L + message.size();
        for (Map.Entry<String, String> a : message.attributes().entrySet()) {
            n += 4 + (a.getKey().length() + a.getValue().length()) * 3L;
        }
        return n;
    }

    /** The oldest readable entry; unreadable ones met on the way are set aside. */
    public synchronized Optional<Entry> oldest() throws IOException {
        while (!sizes.isEmpty()) {
            long seq = sizes.firstKey();
            Optional<Entry> e = read(seq);
            if (e.isPresent()) {
                return e;
            }
        }
        return Optional.empty();
    }

    /** Up to {@code max} of the oldest entries, all for the destination of the oldest (order is kept per destination). */
    public synchronized List<Entry> oldest(int max) throws IOException {
        List<Entry> out = new ArrayList<>();
        Optional<Entry> first = oldest();
        if (first.isEmpty()) {
            return out;
        }
        out.add(first.get());
        for (Long seq : sizes.tailMap(first.get().seq(), false).keySet()) {
            if (out.size() >= max) {
                break;
            }
            Entry e;
            try {
                e = readEntry(seq);
            } catch (IOException | RuntimeException ex) {
                break; // oldest() sets it aside when its turn comes
            }
            if (!e.destination().equals(first.get().destination())) {
                break; // a batch never jumps over another destination's message
            }
            out.add(e);
        }
        return out;
    }

    /** The entry {@code seq}, empty when it is gone or unreadable (then it is set aside). */
    public synchronized Optional<Entry> read(long seq) throws IOException {
        if (!sizes.containsKey(seq)) {
            return Optional.empty();
        }
        try {
            return Optional.of(readEntry(seq));
        } catch (IOException | RuntimeException e) {
            // unreadable (a damaged disk, a truncated file from another tool): set it aside, go on
            Files.move(path(seq), dir.resolve(String.format("%020d.damaged", seq)), StandardCopyOption.REPLACE_EXISTING);
            remove(seq);
            return Optional.empty();
        }
    }

    private Entry readEntry(long seq) throws IOException {
        Path p = path(seq);
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isRegularFile()) { // a link put there since open: not followed (to a FIFO, a read would wait for ever)
            throw new IOException(p + " is not a regular file");
        }
        if (a.size() > MAX_ENTRY_BYTES) { // no array holds it: reading would throw OutOfMemoryError, every time
            throw new IOException(p + " is too large to be an entry");
        }
        return decode(seq, Files.readAllBytes(p));
    }

    /** The sequences kept, oldest first. */
    public synchronized List<Long> sequences() {
        return List.copyOf(sizes.keySet());
    }

    /** The oldest sequence after {@code after}, if any. */
    public synchronized Optional<Long> oldestAfter(long after) {
        return Optional.ofNullable(sizes.higherKey(after));
    }

    /** The oldest sequence other than {@code except}, if any. */
    public synchronized Optional<Long> oldestExcept(long except) {
        for (Long seq : sizes.keySet()) {
            if (seq != except) {
                return Optional.of(seq);
            }
        }
        return Optional.empty();
    }

    /** Removes one entry; false when it was already gone. */
    public synchronized boolean remove(long seq) throws IOException {
        Long size = sizes.remove(seq);
        if (size == null) {
            return false;
        }
        bytes -= size;
        Files.deleteIfExists(path(seq));
        return true;
    }

    /** How many entries are kept. */
    public synchronized int size() {
        return sizes.size();
    }

    /** How many bytes the kept entries take. */
    public synchronized long bytes() {
        return bytes;
    }

    @Override
    public String toString() {
        return "MessageJournal[" + dir + "]";
    }

    private Path path(long seq) {
        return dir.resolve(String.format("%020d.msg", seq));
    }

    /** Makes a rename in {@code dir} durable; a no-op where directories cannot be opened (Windows). */
    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows")) {
                throw e;
            }
        }
    }

    private static byte[] encode(String destination, Message message) throws IOException {
        if (message.attributes().size() > MAX_ATTRIBUTES) { // kept, it would be set aside at its first read: lost, sent "ok"
            throw new IOException("a message with more than " + MAX_ATTRIBUTES + " attributes cannot be kept ("
                    + message.attributes().size() + ")");
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream(message.size() + 256);
        try (DataOutputStream out = new DataOutputStream(buf)) {
            out.writeInt(MAGIC);
            out.writeUTF(destination);
            out.writeInt(message.attributes().size());
            for (Map.Entry<String, String> a : message.attributes().entrySet()) {
                out.writeUTF(a.getKey());
                out.writeUTF(a.getValue());
            }
            byte[] body = message.body();
            out.writeInt(body.length);
            out.write(body);
        }
        return buf.toByteArray();
    }

    private static Entry decode(long seq, byte[] bytes) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            if (in.readInt() != MAGIC) {
                throw new IOException("not a journal entry");
            }
            String destination = in.readUTF();
            if (destination.isBlank()) { // no transport takes it: sent at every attempt, it would hold up every entry behind it
                throw new IOException("blank destination");
            }
            int n = in.readInt();
            if (n < 0 || n > MAX_ATTRIBUTES) {
                throw new IOException("bad attribute count " + n);
            }
            Map<String, String> attributes = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                attributes.put(in.readUTF(), in.readUTF());
            }
            int len = in.readInt();
            if (len < 0 || len > bytes.length) {
                throw new IOException("bad body length " + len);
            }
            byte[] body = new byte[len];
            in.readFully(body);
            return new Entry(seq, destination, Message.of(body, attributes));
        }
    }
}
