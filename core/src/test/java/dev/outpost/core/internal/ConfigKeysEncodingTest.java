package dev.outpost.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A module's declared defaults are UTF-8, like the configuration files: they were read as ISO-8859-1. */
class ConfigKeysEncodingTest {
    @TempDir
    Path dir;

    @Test
    void aModulesDefaultsAreReadAsUtf8() throws IOException {
        Path meta = Files.createDirectories(dir.resolve("META-INF"));
        Files.writeString(meta.resolve("outpost-config.properties"),
                "# réglages\noutpost.myapp.greeting=héllo ✓\noutpost.myapp.escaped=caf\\u00e9\n", StandardCharsets.UTF_8);
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, null)) {
            ConfigKeys keys = ConfigKeys.read(loader);
            assertThat(keys.defaults()).containsEntry("outpost.myapp.greeting", "héllo ✓")
                    .containsEntry("outpost.myapp.escaped", "café");
        }
    }
}
