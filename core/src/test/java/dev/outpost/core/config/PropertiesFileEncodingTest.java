package dev.outpost.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.ConfigException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A properties configuration file is read as UTF-8, like the YAML and JSON ones: it was read as
 * ISO-8859-1, so "héllo" came back as "hÃ©llo" without a word. Malformed UTF-8 is refused naming
 * the file, the line and the byte; {@code \\uXXXX} escapes still work.
 */
class PropertiesFileEncodingTest {
    @TempDir
    Path dir;

    @Test
    void utf8TextIsReadAsWrittenAndEscapesStillWork() throws IOException {
        Path f = dir.resolve("local.properties");
        Files.writeString(f, "# commentaire: réglages\nmyapp.greeting=héllo ✓ 日本\nmyapp.escaped=caf\\u00e9\noutpost.worker.requests=requêtes\n",
                StandardCharsets.UTF_8);
        OutpostConfig c = OutpostConfig.builder().localFile(f).build();
        assertThat(c.string("myapp.greeting")).contains("héllo ✓ 日本");
        assertThat(c.string("myapp.escaped")).contains("café");
        assertThat(c.string("outpost.worker.requests")).contains("requêtes");
    }

    @Test
    void malformedUtf8IsRefusedNamingTheFileLineAndByte() throws IOException {
        Path f = dir.resolve("latin1.properties");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes("myapp.a=1\n".getBytes(StandardCharsets.US_ASCII));
        bytes.writeBytes("myapp.b=caf".getBytes(StandardCharsets.US_ASCII));
        bytes.write(0xE9); // 'é' in ISO-8859-1: not UTF-8
        bytes.writeBytes("\n".getBytes(StandardCharsets.US_ASCII));
        Files.write(f, bytes.toByteArray());
        assertThatThrownBy(() -> OutpostConfig.builder().localFile(f).build())
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement().satisfies(p -> {
                    assertThat(p.key()).isEqualTo(f.toString());
                    assertThat(p.message()).contains("UTF-8").contains("line 2").contains("byte 22");
                }));
    }
}
