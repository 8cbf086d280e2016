package dev.outpost.host.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;

/**
 * The {@link RecordJournal}'s entry format: magic, payload length, CRC, the segment's id (covered
 * by the CRC, so a reused segment's old entries do not read as this segment's), then the payload
 * (hash, name, content). Entries of the former appended format ({@code ORJ1}, no segment id) are
 * still read.
 */
final class JournalEntries {
    /** "ORJ1": appended segments of earlier versions, no segment id. */
    static final int MAGIC_V1 = 0x4f52_4a31;
    /** "ORJ2". */
    static final int MAGIC = 0x4f52_4a32;
    private static final int HEADER = 20;

    private JournalEntries() {}

    /** Hands every entry of segment {@code id} to {@code m}, up to the first that is torn, stale (another segment's), or zeros. */
    static void replay(Path segment, long id, RecordJournal.Materializer m) throws IOException {
        try (InputStream raw = Files.newInputStream(segment);
             DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw, 1 << 16))) {
            while (true) {
                RecordJournal.Entry e;
                try {
                    e = decode(in, id);
                } catch (EOFException | CorruptEntry end) {
                    return; // the end, or a torn tail that was never acknowledged
                }
                m.materialize(e);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static final class CorruptEntry extends IOException {
        private static final long serialVersionUID = 1L;

        CorruptEntry(String m) {
            super(m);
        }
    }

    /** The entry for segment {@code segmentId}; a batch's ids are stamped again by {@link #stampSegment} when written. */
    static byte[] encode(RecordJournal.Entry e, long segmentId) {
        try {
            ByteArrayOutputStream payload = new ByteArrayOutputStream(e.content().length + 256);
            try (DataOutputStream out = new DataOutputStream(payload)) {
                out.writeUTF(e.hash());
                out.writeUTF(e.name());
                out.writeInt(e.content().length);
                out.write(e.content());
            }
            byte[] p = payload.toByteArray();
            byte[] whole = new byte[HEADER + p.length];
            ByteBuffer b = ByteBuffer.wrap(whole);
            b.putInt(MAGIC).putInt(p.length).putInt(0).putLong(segmentId).put(p);
            b.putInt(8, crc(segmentId, whole, HEADER, p.length));
            return whole;
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** Writes {@code segmentId} (and the CRC covering it) into every entry of an encoded batch. */
    static void stampSegment(byte[] batch, long segmentId) {
        ByteBuffer b = ByteBuffer.wrap(batch);
        int at = 0;
        while (at < batch.length) {
            int len = b.getInt(at + 4);
            b.putLong(at + 12, segmentId);
            b.putInt(at + 8, crc(segmentId, batch, at + HEADER, len));
            at += HEADER + len;
        }
    }

    private static int crc(long segmentId, byte[] payload, int off, int len) {
        CRC32 crc = new CRC32();
        crc.update(ByteBuffer.allocate(8).putLong(0, segmentId));
        crc.update(payload, off, len);
        return (int) crc.getValue();
    }

    private static RecordJournal.Entry decode(DataInputStream in, long segmentId) throws IOException {
        int magic = in.readInt();
        if (magic != MAGIC && magic != MAGIC_V1) {
            throw new CorruptEntry("bad magic"); // zeros after the last entry, or torn
        }
        int len = in.readInt();
        int crcValue = in.readInt();
        if (len < 0 || len > 512 * 1024 * 1024) {
            throw new CorruptEntry("bad length");
        }
        long id = 0;
        if (magic == MAGIC) {
            id = in.readLong();
            if (id != segmentId) {
                throw new CorruptEntry("another segment's entry"); // a reused segment's old content
            }
        }
        byte[] p = in.readNBytes(len);
        if (p.length < len) {
            throw new CorruptEntry("torn entry");
        }
        CRC32 crc = new CRC32();
        if (magic == MAGIC) {
            crc.update(ByteBuffer.allocate(8).putLong(0, id));
        }
        crc.update(p);
        if ((int) crc.getValue() != crcValue) {
            throw new CorruptEntry("bad checksum");
        }
        try (DataInputStream d = new DataInputStream(new java.io.ByteArrayInputStream(p))) {
            String hash = d.readUTF();
            String name = d.readUTF();
            byte[] content = new byte[d.readInt()];
            d.readFully(content);
            return new RecordJournal.Entry(hash, name, content);
        }
    }
}
