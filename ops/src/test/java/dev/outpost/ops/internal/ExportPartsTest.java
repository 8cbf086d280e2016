package dev.outpost.ops.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Json;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportPartsTest {
    @TempDir
    Path dir;

    @Test
    void aPartIsNotWrittenThroughALinkPlantedInPlaceOfItsTemporaryFile() throws Exception {
        Path victim = Files.writeString(dir.resolve("victim"), "precious\n");
        Path tmp = ExportParts.tempFile(dir);
        // what a race between the temporary file's creation and its opening could leave there
        Files.delete(tmp);
        Files.createSymbolicLink(tmp, victim);

        List<JsonNode> records = List.of(Json.parse("{\"host\":\"web-1\"}"));
        assertThatThrownBy(() -> ExportParts.writePart(records.iterator(), tmp, 10)).isInstanceOf(UncheckedIOException.class);
        assertThat(Files.readString(victim, StandardCharsets.UTF_8)).isEqualTo("precious\n");
    }

    @Test
    void aPartIsWrittenToItsTemporaryFile() throws Exception {
        Path tmp = ExportParts.tempFile(dir);
        List<JsonNode> records = List.of(Json.parse("{\"host\":\"web-1\"}"), Json.parse("{\"host\":\"web-2\"}"));
        assertThat(ExportParts.writePart(records.iterator(), tmp, 10)).isEqualTo(2);
        try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(tmp))) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("{\"host\":\"web-1\"}\n{\"host\":\"web-2\"}\n");
        }
    }
}
