package dev.outpost.host.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.outpost.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Set;

/**
 * A record file and its request-id marker as two names of one file: the content is written once,
 * under the marker's name, and the record's name is added as a hard link. Creating a file was the
 * costliest step of storing a record on the shared ext4 measured here (inode allocation, a zeroed
 * page, a directory entry); the former layout (a marker holding the record's name, and the record
 * written to a temporary file and renamed) created two. The record's name appears only once its
 * content is complete, as a rename made it appear before.
 *
 * <p>Markers of the former layout (the record's file name as content) are still read. Where the
 * file system has no hard links, the former layout is written.
 */
final class MarkedRecordFiles {
    private static final com.fasterxml.jackson.core.JsonFactory JSON = Json.newMapper().getFactory();
    /** Envelope fields read to find a record's name: they come first, so a marker is never read whole. */
    private static final int MAX_FIELDS = 8;

    private final Path tmp;
    private volatile boolean links = true;

    MarkedRecordFiles(Path tmp) {
        this.tmp = tmp;
    }

    /** What {@link #repair} found or did. */
    record Repair(boolean created, boolean separateMarker) {}

    /**
     * Writes a record not stored before: its content under {@code marker}, then {@code record} as a
     * second name. An existing marker (of a record whose file is missing) is replaced, never written
     * through: its file may still have another name.
     */
    void writeNew(Path marker, Path record, String name, byte[] bytes) throws IOException {
        if (!links) {
            writeSeparate(marker, record, name, bytes);
            return;
        }
        createWith(marker, bytes);
        try {
            Files.createLink(record, marker);
        } catch (UnsupportedOperationException e) {
            links = false;
            writeSeparate(marker, record, name, bytes);
        } catch (FileAlreadyExistsException e) {
            replaceRecord(record, bytes); // not expected: the store writes a name only when its file is missing
        }
    }

    /**
     * Makes sure the record file and its marker hold {@code bytes} (for a journal replay or
     * retirement): what is missing or short is written again.
     */
    Repair repair(Path marker, Path record, String name, byte[] bytes) throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        boolean recordOk = sizeIs(record, bytes.length);
        long markerSize = size(marker);
        boolean formerMarker = markerSize == nameBytes.length && markerSize != bytes.length;
        boolean markerOk = markerSize == bytes.length || formerMarker;
        if (recordOk && markerOk) {
            return new Repair(false, formerMarker || !Files.isSameFile(marker, record));
        }
        if (!recordOk) {
            replaceRecord(record, bytes);
        }
        if (!markerOk || !recordOk && !formerMarker) {
            Files.deleteIfExists(marker);
            if (links) {
                try {
                    Files.createLink(marker, record);
                    return new Repair(!recordOk, false);
                } catch (UnsupportedOperationException e) {
                    links = false;
                }
            }
            DurableFiles.writeUnsynced(marker, nameBytes, false);
            return new Repair(!recordOk, true);
        }
        return new Repair(!recordOk, true);
    }

    /** The record name a marker points to, from either layout; empty when the marker is missing or unreadable. */
    static Optional<String> nameIn(Path marker) throws IOException {
        try (InputStream in = Files.newInputStream(marker)) {
            byte[] head = in.readNBytes(1);
            if (head.length == 0) {
                return Optional.empty();
            }
            if (head[0] != '{') {
                return Optional.of(new String(head, StandardCharsets.UTF_8) + new String(in.readNBytes(1024), StandardCharsets.UTF_8));
            }
            return nameInEnvelope(head[0], in);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> nameInEnvelope(byte first, InputStream rest) throws IOException {
        java.util.Map<String, String> f = leadingStrings(new java.io.SequenceInputStream(
                new java.io.ByteArrayInputStream(new byte[] {first}), rest), "source", "timestamp");
        return f.size() == 2 ? Optional.of(f.get("source") + "_" + f.get("timestamp") + ".json") : Optional.empty();
    }

    /** The request id a record file holds; empty when it is missing or unreadable. */
    static Optional<String> requestIdIn(Path record) throws IOException {
        try (InputStream in = Files.newInputStream(record)) {
            return Optional.ofNullable(leadingStrings(in, "requestId").get("requestId"));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** The string fields named {@code wanted} among an envelope's first fields (which the store writes first). */
    private static java.util.Map<String, String> leadingStrings(InputStream in, String... wanted) throws IOException {
        java.util.Map<String, String> found = new java.util.HashMap<>();
        java.util.List<String> names = java.util.List.of(wanted);
        try (JsonParser p = JSON.createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return found;
            }
            for (int i = 0; i < MAX_FIELDS && found.size() < wanted.length && p.nextToken() == JsonToken.FIELD_NAME; i++) {
                String field = p.currentName();
                if (p.nextToken() == JsonToken.VALUE_STRING && names.contains(field)) {
                    found.put(field, p.getText());
                } else {
                    p.skipChildren();
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // torn by a crash: as if missing (the journal still holds an acknowledged record)
        }
        return found;
    }

    private void writeSeparate(Path marker, Path record, String name, byte[] bytes) throws IOException {
        Files.deleteIfExists(marker);
        DurableFiles.writeUnsynced(marker, name.getBytes(StandardCharsets.UTF_8), false);
        replaceRecord(record, bytes);
    }

    /** Writes a new file under {@code p}, first removing a file of that name (which may have a second name: never written through). */
    private static void createWith(Path p, byte[] bytes) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(p, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), DurableFiles.ownerOnly());
        } catch (FileAlreadyExistsException e) {
            Files.delete(p);
            ch = FileChannel.open(p, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), DurableFiles.ownerOnly());
        }
        try (FileChannel c = ch) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                c.write(buf);
            }
        }
    }

    /** A record file written complete under a temporary name and renamed over {@code record}. */
    private void replaceRecord(Path record, byte[] bytes) throws IOException {
        Path t = tmp.resolve(record.getFileName().toString());
        DurableFiles.writeUnsynced(t, bytes, false);
        DurableFiles.move(t, record);
    }

    private static boolean sizeIs(Path p, long size) throws IOException {
        return size(p) == size;
    }

    /** The size of a regular file; -1 when missing or not a regular file. */
    private static long size(Path p) throws IOException {
        try {
            java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class);
            return a.isRegularFile() ? a.size() : -1;
        } catch (NoSuchFileException e) {
            return -1;
        }
    }
}
