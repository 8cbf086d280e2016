package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.Json;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.spi.RegistryEntry;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Export, import and backups written against the Registry SPI work on a registry that is not SQLite. */
class AnyRegistryToolsTest {
    @TempDir
    Path dir;

    @Test
    void exportImportModesAndBackupsOnAnInMemoryRegistry() throws Exception {
        try (InMemoryRegistry a = InMemoryRegistry.create(); InMemoryRegistry b = InMemoryRegistry.create()) {
            a.register("svc/a", Json.parse("{\"n\":1}"), Optional.empty());
            a.register("svc/b", Json.parse("2"), Optional.empty());
            StringWriter out = new StringWriter();
            assertThat(RegistryExport.write(a, out, "svc/")).isEqualTo(2);
            assertThatThrownBy(() -> RegistryExport.write(a, new StringWriter())).isInstanceOf(IllegalArgumentException.class);

            RegistryEntry mine = b.register("svc/a", Json.parse("\"mine\""), Optional.empty());
            b.register("svc/c", Json.parse("3"), Optional.empty());
            assertThat(RegistryImport.into(b, new StringReader(out.toString()), ImportMode.ADD)).isEqualTo(1);
            assertThat(b.get("svc/a").orElseThrow().value()).isEqualTo(mine.value());
            assertThat(RegistryImport.into(b, new StringReader(out.toString()), ImportMode.OVERWRITE)).isEqualTo(2);
            assertThat(b.get("svc/a").orElseThrow().value()).isEqualTo(Json.parse("{\"n\":1}"));
            assertThat(b.get("svc/a").orElseThrow().updatedBy()).contains("import");
            assertThat(b.get("svc/c")).isPresent();
            RegistryImport.into(b, new StringReader(out.toString()), ImportMode.MIRROR);
            assertThat(b.get("svc/c")).isEmpty();

            Path folder = dir.resolve("backups");
            try (RegistryBackups backups = RegistryBackups.builder(a, folder).prefixes("svc/").keep(2).build().start()) {
                Path one = backups.backupNow();
                backups.backupNow();
                backups.backupNow();
                assertThat(backups.list()).hasSize(2).doesNotContain(one);
                Path newest = backups.list().get(0);
                assertThat(newest.getFileName().toString()).endsWith(".jsonl");
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(newest))).isEqualTo("rw-------");
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(folder))).isEqualTo("rwx------");
                assertThat(Files.readAllLines(newest)).hasSize(2);
            }
        }
    }
}
