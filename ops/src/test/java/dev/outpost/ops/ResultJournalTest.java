package dev.outpost.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultJournalTest {
    @TempDir
    Path dir;

    @Test
    void aLineTornInsideAMultiByteCharacterCostsOnlyItselfWhenTheDayIsRead() throws Exception {
        LocalDate day = LocalDate.of(2026, 12, 4);
        ResultJournal journal = new ResultJournal(dir, Clock.fixed(Instant.parse("2026-12-04T10:00:00Z"), ZoneOffset.UTC));
        journal.append("web-1", "disk.usage", Json.parse("{\"path\":\"/\"}"));
        // a kill mid-append cut a line in the middle of "é" (0xC3 0xA9): only its first byte reached the disk
        byte[] line = "{\"host\":\"web-2\",\"result\":{\"name\":\"caf\u00e9\"}}".getBytes(StandardCharsets.UTF_8);
        byte[] torn = Arrays.copyOf(line, line.length - 4);
        Files.write(dir.resolve(day + ".jsonl"), torn, StandardOpenOption.APPEND);
        journal.append("web-3", "disk.usage", Json.parse("{\"path\":\"/var\"}"));

        List<String> hosts;
        try (Stream<JsonNode> records = journal.records(day)) {
            hosts = records.map(r -> r.path("host").asText()).toList();
        }

        assertThat(hosts).containsExactly("web-1", "web-3");
    }

    @Test
    void aDayFileLeftReadableByOthersIsNarrowedToOwnerOnlyWhenTheJournalWritesToIt() throws Exception {
        Assumptions.assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Path day = dir.resolve("2026-12-04.jsonl");
        // something else (a copy, a restore, an older version) left today's file 0644
        Files.createFile(day, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
        ResultJournal journal = new ResultJournal(dir, Clock.fixed(Instant.parse("2026-12-04T10:00:00Z"), ZoneOffset.UTC));

        journal.append("web-1", "disk.usage", Json.parse("{\"path\":\"/\"}"));

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(day))).isEqualTo("rw-------");
        assertThat(Files.readString(day)).contains("web-1");
    }

    @Test
    void aDayFilePlantedAsASymbolicLinkIsNeitherWrittenThroughNorRead(@TempDir Path elsewhere) throws Exception {
        Path victim = Files.writeString(elsewhere.resolve("authorized_keys"), "ssh-ed25519 AAAA me\n");
        Files.createSymbolicLink(dir.resolve("2026-12-04.jsonl"), victim);
        ResultJournal journal = new ResultJournal(dir, Clock.fixed(Instant.parse("2026-12-04T10:00:00Z"), ZoneOffset.UTC));

        // before: the line was appended to whatever the link pointed at (and that file made 0600)
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> journal.append("web-1", "disk.usage", Json.parse("{}")))
                .isInstanceOf(java.io.UncheckedIOException.class).hasMessageContaining("2026-12-04.jsonl");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> journal.records(LocalDate.of(2026, 12, 4)))
                .isInstanceOf(java.io.IOException.class).hasMessageContaining("not a regular file");
        assertThat(Files.readString(victim)).isEqualTo("ssh-ed25519 AAAA me\n");
    }
}
