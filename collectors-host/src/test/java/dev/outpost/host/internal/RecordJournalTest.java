package dev.outpost.host.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a replay reads back from preallocated, reused journal segments after a crash (the journal is simply not closed). */
class RecordJournalTest {
    private static final int CONTENT = 1200;

    @TempDir
    Path dir;
    private final AtomicLong ticker = new AtomicLong();
    private final List<String> replayed = new ArrayList<>();

    private RecordJournal.Entry entry(int n) {
        byte[] content = new byte[CONTENT];
        Arrays.fill(content, (byte) ('a' + n % 26));
        return new RecordJournal.Entry(RecordFiles.sha256("req-" + n), String.format("web-01_17000000%02d.000000.json", n), content);
    }

    private RecordJournal open(long segmentBytes) throws Exception {
        RecordJournal j = new RecordJournal(dir, segmentBytes, ticker::get);
        j.open(e -> replayed.add(e.name()));
        return j;
    }

    /** A new journal on the directory, as after kill -9: what it replays. */
    private List<String> replayAfterCrash(long segmentBytes) throws Exception {
        replayed.clear();
        open(segmentBytes);
        return List.copyOf(replayed);
    }

    private List<Path> segments() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".journal")).sorted().toList();
        }
    }

    private static String name(int n) {
        return String.format("web-01_17000000%02d.000000.json", n);
    }

    @Test
    void zerosAfterTheLastEntryOfAPreallocatedSegmentEndTheReplay() throws Exception {
        RecordJournal j = open(64 * 1024);
        for (int i = 1; i <= 3; i++) {
            j.append(entry(i));
        }
        Path seg = segments().get(0);
        assertThat(Files.size(seg)).as("preallocated: writes never change its size").isEqualTo(64 * 1024);
        assertThat(replayAfterCrash(64 * 1024)).containsExactly(name(1), name(2), name(3));
    }

    @Test
    void aTornEntryInTheMiddleOfAPreallocatedSegmentIsNeverReadBackNorAnythingAfterIt() throws Exception {
        RecordJournal j = open(64 * 1024);
        for (int i = 1; i <= 3; i++) {
            j.append(entry(i));
        }
        Path seg = segments().get(0);
        int size = JournalEntries.encode(entry(2), 0).length;
        // the second entry's write was torn: its first half reached the disk, the rest is still zeros
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(size - size / 2), size + size / 2);
        }
        assertThat(replayAfterCrash(64 * 1024)).containsExactly(name(1));
    }

    @Test
    void aFlippedByteInAnEntryEndsTheReplayThere() throws Exception {
        RecordJournal j = open(64 * 1024);
        for (int i = 1; i <= 3; i++) {
            j.append(entry(i));
        }
        Path seg = segments().get(0);
        int size = JournalEntries.encode(entry(2), 0).length;
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            long at = 2L * size - 10; // inside the second entry's content
            ch.read(b, at);
            b.put(0, (byte) (b.get(0) ^ 0x01)).rewind();
            ch.write(b, at);
        }
        assertThat(replayAfterCrash(64 * 1024)).containsExactly(name(1));
    }

    @Test
    void aReusedSegmentsOldEntriesAreNeverReplayed() throws Exception {
        long segmentBytes = 4096; // three entries each
        RecordJournal j = open(segmentBytes);
        for (int i = 1; i <= 7; i++) {
            j.append(entry(i)); // segments 1 (1-3), 2 (4-6), 3 (7)
        }
        assertThat(j.retire(0, e -> { })).isEqualTo(2); // 1 and 2 are kept for reuse
        j.requestRotation();
        j.append(entry(8)); // into a reused segment, over entry 1, entries 2 and 3 (same size, valid CRCs) right behind it
        assertThat(j.segmentsWritten()).as("segments written full of zeros: the first three only").isEqualTo(3);
        List<Path> segs = segments();
        assertThat(segs).hasSize(2);
        byte[] reused = Files.readAllBytes(segs.get(1));
        assertThat(new String(reused, StandardCharsets.ISO_8859_1)).as("an old entry is still there").contains(name(2));
        assertThat(replayAfterCrash(segmentBytes)).containsExactly(name(7), name(8));
    }

    @Test
    void aSegmentOfTheFormerAppendedFormatIsStillReplayed() throws Exception {
        // ORJ1: magic, length, CRC of the payload, payload; appended, no segment id
        RecordJournal.Entry e = entry(1);
        java.io.ByteArrayOutputStream payload = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(payload)) {
            out.writeUTF(e.hash());
            out.writeUTF(e.name());
            out.writeInt(e.content().length);
            out.write(e.content());
        }
        byte[] p = payload.toByteArray();
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(p);
        ByteBuffer old = ByteBuffer.allocate(12 + p.length).putInt(0x4f524a31).putInt(p.length).putInt((int) crc.getValue()).put(p);
        // exactly a segment's size, so that only its format tells it from one that may be reused
        ByteBuffer sized = ByteBuffer.allocate(64 * 1024).put(old.array());
        Files.write(dir.resolve("00000000000000000007.journal"), sized.array());
        RecordJournal j = open(64 * 1024);
        assertThat(replayed).containsExactly(name(1));
        j.append(entry(2));
        assertThat(segments()).as("the old segment is gone, the new one's id is past it").extracting(p2 -> p2.getFileName().toString())
                .containsExactly("00000000000000000008.journal");
        assertThat(j.segmentsWritten()).as("the old segment is never reused: its entries carry no segment id").isEqualTo(1);
    }

    @Test
    void aShutdownRetiresEverythingAndKeepsSegmentsForReuse() throws Exception {
        RecordJournal j = open(4096);
        for (int i = 1; i <= 4; i++) {
            j.append(entry(i));
        }
        List<String> materialized = new ArrayList<>();
        j.closeAndRetireAll(e -> materialized.add(e.name()));
        assertThat(materialized).containsExactly(name(1), name(2), name(3), name(4));
        assertThat(segments()).isEmpty();
        assertThat(replayAfterCrash(4096)).isEmpty();
    }

    @Test
    void theSpareSegmentIsPreparedOnlyOnceTheCurrentOneIsHalfFull() throws Exception {
        RecordJournal j = open(64 * 1024);
        j.prepareSpare();
        assertThat(j.segmentsWritten()).as("the first segment alone: a new store writes no second 64 KiB of zeros yet").isEqualTo(1);
        for (int i = 1; i <= 24; i++) {
            j.append(entry(i)); // 1,324 bytes each: 31,776 of 65,536
        }
        assertThat(j.needsSpare()).isFalse();
        j.append(entry(25)); // past half
        assertThat(j.needsSpare()).isTrue();
        j.prepareSpare();
        assertThat(j.segmentsWritten()).isEqualTo(2);
        assertThat(j.needsSpare()).isFalse();
    }

    @Test
    void aSpareTakenWhenTheCurrentSegmentIsFullIsNotReplacedBeforeTheNewOneIsHalfFull() throws Exception {
        RecordJournal j = open(64 * 1024);
        // the files thread, woken when the spare is taken, looks at once (it usually runs before the batch's fsync ends)
        j.listener((entries, upTo) -> { }, () -> Long.MAX_VALUE, () -> {
            try {
                j.prepareSpare();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        for (int i = 1; i <= 25; i++) {
            j.append(entry(i)); // past half
        }
        j.prepareSpare();
        assertThat(j.segmentsWritten()).isEqualTo(2);
        for (int i = 26; i <= 50; i++) {
            j.append(entry(i)); // 49 fill the first segment: the 50th goes to the spare
        }
        assertThat(j.needsSpare()).isFalse();
        assertThat(j.segmentsWritten()).as("no third segment while the second is nearly empty").isEqualTo(2);
    }
}
