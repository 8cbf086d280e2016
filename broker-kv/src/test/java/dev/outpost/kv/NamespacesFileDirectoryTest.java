package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.ConfigException;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.core.registry.InMemoryRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The namespaces file decides who may write what: one in a directory that other users can write is
 * refused, as ssh refuses such key files, since they could put a file of their own rules
 * ({@code "writers": ["*"]}) in its place, whatever the file's own mode. So is one reached through a
 * link into such a directory.
 */
class NamespacesFileDirectoryTest {
    private static final String SECRET = "an-access-key-long-enough";

    @TempDir
    Path dir;

    private static OutpostConfig config(Path rules) {
        return OutpostConfig.builder().set("outpost.broker.namespaces-file", rules.toString()).build();
    }

    private static Path rules(Path folder) throws Exception {
        Files.createDirectories(folder);
        Path rules = folder.resolve("namespaces.json");
        Files.writeString(rules, "{\"svc\": {\"readers\": [\"*\"], \"write-secret\": \"" + SECRET + "\"}}");
        Files.setPosixFilePermissions(rules, PosixFilePermissions.fromString("rw-------"));
        return rules;
    }

    @Test
    void aRulesFileInADirectoryOthersCanWriteIsRefused() throws Exception {
        Path shared = dir.resolve("shared");
        Path rules = rules(shared);
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwx---"));
        try (InMemoryRegistry store = InMemoryRegistry.create()) {
            assertThatThrownBy(() -> RegistryService.builder(store).configure(config(rules)).build())
                    .isInstanceOf(ConfigException.class).hasMessageContaining("chmod go-w " + shared)
                    .hasMessageNotContaining(SECRET);
            Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwx------"));
            assertThat(RegistryService.builder(store).configure(config(rules)).build()).isNotNull();
        }
    }

    @Test
    void aLinkToARulesFileInADirectoryOthersCanWriteIsRefused() throws Exception {
        Path shared = dir.resolve("shared");
        Path rules = rules(shared);
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxr-x"));
        Path mine = Files.createDirectories(dir.resolve("mine"));
        Files.setPosixFilePermissions(mine, PosixFilePermissions.fromString("rwx------"));
        Path link = Files.createSymbolicLink(mine.resolve("namespaces.json"), rules);
        try (InMemoryRegistry store = InMemoryRegistry.create()) {
            assertThatThrownBy(() -> RegistryService.builder(store).configure(config(link)).build())
                    .isInstanceOf(ConfigException.class).hasMessageContaining("chmod go-w " + shared.toRealPath());
        }
    }

    @Test
    void aRulesFileOrDirectoryOwnedByAnotherUserIsRefused() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "giving a file to another user takes root");
        Path theirs = dir.resolve("theirs");
        Path rules = rules(theirs);
        Files.setPosixFilePermissions(theirs, PosixFilePermissions.fromString("rwx------"));
        java.nio.file.attribute.UserPrincipal me = Files.getOwner(rules);
        Files.setAttribute(rules, "unix:uid", 65534);
        try (InMemoryRegistry store = InMemoryRegistry.create()) {
            assertThatThrownBy(() -> RegistryService.builder(store).configure(config(rules)).build())
                    .isInstanceOf(ConfigException.class).hasMessageContaining("belongs to another user");
            Files.setOwner(rules, me);
            Files.setAttribute(theirs, "unix:uid", 65534);
            assertThatThrownBy(() -> RegistryService.builder(store).configure(config(rules)).build())
                    .isInstanceOf(ConfigException.class).hasMessageContaining("belongs to another user");
            Files.setOwner(theirs, me);
            assertThat(RegistryService.builder(store).configure(config(rules)).build()).isNotNull();
        }
    }
}
