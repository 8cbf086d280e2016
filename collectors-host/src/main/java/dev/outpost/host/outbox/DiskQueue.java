package dev.outpost.host.outbox;

import dev.outpost.host.internal.DurableFiles;
import dev.outpost.spi.Message;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** A FIFO of messages, one durable file each ({@code <sequence>.msg}); the outbox's storage. Thread-safe. */
final class DiskQueue {
    private static final int MAGIC = 0x4f50_4f31; // "OPO1"

    record Entry(long seq, String destination, Message message) {}

    private final Path dir;
    private final TreeMap<Long, Long> sizes = new TreeMap<>();
    private long bytes;
    private long nextSeq;

    DiskQueue(Path dir) {
        this.dir = dir;
    }

    /** Creates the directory (owner-only), drops interrupted writes and indexes what is waiting. */
    void open() throws IOException {
        DurableFiles.createDirectories(dir);
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                String name = p.getFileName().toString();
                if (name.endsWith(".tmp")) {
                    Files.deleteIfExists(p); // a crash came before the rename: that send was never acknowledged
                } else if (name.matches("\\d{20}\\.msg")) {
                    long seq = Long.parseLong(name.substring(0, 20));
                    long size = Files.size(p);
                    sizes.put(seq, size);
                    bytes += size;
                }
            }
        }
        nextSeq = sizes.isEmpty() ? 1 : sizes.lastKey() + 1;
    }

    /** Appends durably; returns the entry's sequence. */
    synchronized long append(String destination, Message message) throws IOException {
        byte[] encoded = encode(destination, message);
        long seq = nextSeq++;
        Path target = path(seq);
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        DurableFiles.writeSynced(tmp, encoded);
        DurableFiles.move(tmp, target);
        DurableFiles.syncDirectory(dir);
        sizes.put(seq, (long) encoded.length);
        bytes += encoded.length;
        return seq;
    }

    static long encodedSize(String destination, Message message) {
        long n = 16 + destination.length() * 3L + message.size();
        for (Map.Entry<String, String> a : message.attributes().entrySet()) {
            n += 4 + (a.getKey().length() + a.getValue().length()) * 3L;
        }
        return n;
    }

    synchronized Optional<Entry> oldest() throws IOException {
        while (!sizes.isEmpty()) {
            long seq = sizes.firstKey();
            try {
                return Optional.of(decode(seq, Files.readAllBytes(path(seq))));
            } catch (IOException | RuntimeException e) {
                // unreadable (a damaged disk, a truncated file from another tool): set it aside, go on
                Files.move(path(seq), dir.resolve(String.format("%020d.damaged", seq)),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                remove(seq);
            }
        }
        return Optional.empty();
    }

    /** Up to {@code max} of the oldest entries, all for the destination of the oldest. */
    synchronized java.util.List<Entry> oldest(int max) throws IOException {
        java.util.List<Entry> out = new java.util.ArrayList<>();
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
                e = decode(seq, Files.readAllBytes(path(seq)));
            } catch (IOException | RuntimeException ex) {
                break; // oldest() sets it aside when its turn comes
            }
            if (!e.destination().equals(first.get().destination())) {
                break; // order is kept per destination: a batch never jumps over another destination's message
            }
            out.add(e);
        }
        return out;
    }

    /** The oldest sequence after {@code after}, if any. */
    synchronized Optional<Long> oldestAfter(long after) {
        Long k = sizes.higherKey(after);
        return Optional.ofNullable(k);
    }

    /** Removes one entry; false when it was already gone. */
    synchronized boolean remove(long seq) throws IOException {
        Long size = sizes.remove(seq);
        if (size == null) {
            return false;
        }
        bytes -= size;
        Files.deleteIfExists(path(seq));
        return true;
    }

    /** The oldest sequence other than {@code except}, if any. */
    synchronized Optional<Long> oldestExcept(long except) {
        for (Long seq : sizes.keySet()) {
            if (seq != except) {
                return Optional.of(seq);
            }
        }
        return Optional.empty();
    }

    synchronized int size() {
        return sizes.size();
    }

    synchronized long bytes() {
        return bytes;
    }

    private Path path(long seq) {
        return dir.resolve(String.format("%020d.msg", seq));
    }

    private static byte[] encode(String destination, Message message) throws IOException {
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
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes))) {
            if (in.readInt() != MAGIC) {
                throw new IOException("not an outbox entry");
            }
            String destination = in.readUTF();
            int n = in.readInt();
            Map<String, String> attributes = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                attributes.put(in.readUTF(), in.readUTF());
            }
            byte[] body = new byte[in.readInt()];
            in.readFully(body);
            return new Entry(seq, destination, Message.of(body, attributes));
        }
    }
}
