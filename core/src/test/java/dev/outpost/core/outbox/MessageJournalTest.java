package dev.outpost.core.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.spi.Message;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MessageJournalTest {
    @TempDir
    Path dir;

    @Test
    void aFileNamedPastTheLongestSequenceIsSetAsideAndTheJournalOpens() throws Exception {
        Files.writeString(dir.resolve("99999999999999999999.msg"), "not ours"); // 20 digits, past Long.MAX_VALUE
        Files.writeString(dir.resolve("09223372036854775807.msg"), "not ours either"); // the next sequence would wrap

        MessageJournal journal = new MessageJournal(dir);
        journal.open();

        assertThat(journal.size()).isZero();
        long seq = journal.append("results", Message.of(new byte[] {1, 2}, Map.of()));
        assertThat(seq).isEqualTo(1);
        assertThat(journal.oldest()).hasValueSatisfying(e -> assertThat(e.destination()).isEqualTo("results"));
        assertThat(dir.resolve("99999999999999999999.msg")).doesNotExist();
        assertThat(dir.resolve("99999999999999999999.damaged")).hasContent("not ours"); // kept, out of the way
        assertThat(dir.resolve("09223372036854775807.damaged")).exists();
    }

    @Test
    void anEntryTooLargeToReadIsSetAsideNotAnOutOfMemoryErrorForEver() throws Exception {
        Path huge = dir.resolve(String.format("%020d.msg", 1));
        try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(1L << 31); // sparse: no disk used, but no byte[] can hold it
        }
        MessageJournal journal = new MessageJournal(dir);
        journal.open();
        long next = journal.append("results", Message.of(new byte[] {7}, Map.of()));

        assertThat(journal.oldest()).hasValueSatisfying(e -> assertThat(e.seq()).isEqualTo(next));
        assertThat(journal.oldest(10)).hasSize(1);
        assertThat(huge).doesNotExist();
        assertThat(dir.resolve(String.format("%020d.damaged", 1))).exists();
    }

    @Test
    void aFailedAppendLeavesNoTemporaryFile() throws Exception {
        MessageJournal journal = new MessageJournal(dir);
        journal.open();
        // the rename onto entry 1 fails after the temporary file was written, as a full disk fails the write
        Path blocked = Files.createDirectory(dir.resolve(String.format("%020d.msg", 1)));
        Files.writeString(blocked.resolve("x"), "x");

        assertThatThrownBy(() -> journal.append("results", Message.of(new byte[] {1}, Map.of()))).isInstanceOf(IOException.class);

        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
        long next = journal.append("results", Message.of(new byte[] {2}, Map.of()));
        assertThat(journal.size()).isEqualTo(1);
        assertThat(journal.oldest()).hasValueSatisfying(e -> assertThat(e.seq()).isEqualTo(next));
    }

    @Test
    void anEntryThatIsABrokenLinkIsSetAsideAndTheJournalStillOpens() throws Exception {
        // before: open() followed it to read its size and failed, and the outbox could not start at all
        Files.createSymbolicLink(dir.resolve(String.format("%020d.msg", 1)), dir.resolve("gone"));
        MessageJournal journal = new MessageJournal(dir);
        journal.open();

        long next = journal.append("results", Message.of(new byte[] {7}, Map.of()));
        assertThat(journal.size()).isEqualTo(1);
        assertThat(journal.oldest()).hasValueSatisfying(e -> assertThat(e.seq()).isEqualTo(next));
        assertThat(dir.resolve(String.format("%020d.damaged", 1))).isSymbolicLink();
    }

    @Test
    void anEntryThatIsALinkIsSetAsideNotFollowed() throws Exception {
        // a well-formed entry elsewhere: the journal writes regular files only, so a link is none of its entries
        Path elsewhere = Files.createDirectory(dir.resolve("elsewhere"));
        MessageJournal other = new MessageJournal(elsewhere);
        other.open();
        other.append("requests", Message.of(new byte[] {6, 6, 6}, Map.of()));
        Path journalDir = Files.createDirectory(dir.resolve("journal"));
        Files.createSymbolicLink(journalDir.resolve(String.format("%020d.msg", 1)), elsewhere.resolve(String.format("%020d.msg", 1)));

        MessageJournal journal = new MessageJournal(journalDir);
        journal.open();

        assertThat(journal.oldest()).isEmpty();
        assertThat(journal.size()).isZero();
        assertThat(journalDir.resolve(String.format("%020d.damaged", 1))).isSymbolicLink();
    }

    @Test
    void aDirectoryOtherUsersMayWriteIsRefusedTheyCouldPutMessagesInItToBeSent() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.outpost.core.files.OwnerOnlyFiles.posix(dir));
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        MessageJournal journal = new MessageJournal(shared);

        // before: opened as it was; whatever another user wrote there would be forwarded under this host's name
        assertThatThrownBy(journal::open).isInstanceOf(IOException.class)
                .hasMessageContaining(shared.toString()).hasMessageContaining("other users").hasMessageContaining("chmod 700");
    }

    /** A directory another user owns (0700, so no one else may write): its owner may, and it is not this host's. */
    @Test
    void aDirectoryAnotherUserOwnsIsRefusedItsOwnerCouldPutMessagesInIt() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.outpost.core.files.OwnerOnlyFiles.posix(dir));
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "only root can give a directory away");
        Path theirs = Files.createDirectory(dir.resolve("theirs"));
        Files.setPosixFilePermissions(theirs, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Files.setOwner(theirs, theirs.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        MessageJournal journal = new MessageJournal(theirs);

        // before: opened (root reads anything), and what 'nobody' wrote there was forwarded under this host's name
        assertThatThrownBy(journal::open).isInstanceOf(IOException.class)
                .hasMessageContaining(theirs.toString()).hasMessageContaining("belongs to 'nobody'");
    }

    @Test
    void anEntryWithABlankDestinationIsSetAsideNoTransportTakesIt() throws Exception {
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(buf)) {
            out.writeInt(0x4f50_4f31);
            out.writeUTF(" ");
            out.writeInt(0);
            out.writeInt(1);
            out.write(9);
        }
        Files.write(dir.resolve(String.format("%020d.msg", 1)), buf.toByteArray());
        MessageJournal journal = new MessageJournal(dir);
        journal.open();

        // before: read as an entry for " ", which every transport refuses at every attempt: the outbox stuck behind it
        assertThat(journal.oldest()).isEmpty();
        assertThat(dir.resolve(String.format("%020d.damaged", 1))).exists();
    }

    @Test
    void aMessageWithMoreAttributesThanAnEntryCanBeReadWithIsRefusedAtAppendNotLostAfterIt() throws Exception {
        MessageJournal journal = new MessageJournal(dir);
        journal.open();
        Map<String, String> many = new java.util.HashMap<>();
        for (int i = 0; i < 1001; i++) {
            many.put("a" + i, "v");
        }
        // before: appended (the send succeeded), then set aside as damaged at its first read: lost, and counted nowhere
        assertThatThrownBy(() -> journal.append("results", Message.of(new byte[] {1}, many))).isInstanceOf(IOException.class)
                .hasMessageContaining("1000 attributes");
        assertThat(journal.size()).isZero();
        many.remove("a0");
        long seq = journal.append("results", Message.of(new byte[] {1}, many));
        assertThat(journal.oldest()).hasValueSatisfying(e -> {
            assertThat(e.seq()).isEqualTo(seq);
            assertThat(e.message().attributes()).hasSize(1000);
        });
    }
}
