package dev.outpost.kv;

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
 * A namespaces file that is not JSON is reported by line and column, never with the parser's
 * text, which quotes the token it choked on: a secret written without its quotes went into the
 * configuration error, and so into the log of every failed start.
 */
class NamespacesFileSecretsTest {
    private static final String SECRET = "s3cretAccessKey0123456789";

    @TempDir
    Path dir;

    private void refusedWithoutTheSecret(String text) throws Exception {
        Path rules = dir.resolve("namespaces.json");
        Files.writeString(rules, text);
        Files.setPosixFilePermissions(rules, PosixFilePermissions.fromString("rw-------"));
        OutpostConfig config = OutpostConfig.builder().set("outpost.broker.namespaces-file", rules.toString()).build();
        try (InMemoryRegistry store = InMemoryRegistry.create()) {
            assertThatThrownBy(() -> RegistryService.builder(store).configure(config).build()).isInstanceOf(ConfigException.class)
                    .hasMessageContaining(rules.toString()).hasMessageContaining("line 2")
                    .hasMessageNotContaining(SECRET).hasMessageNotContaining(SECRET.substring(0, 12));
        }
    }

    @Test
    void aNamespacesFileThatIsNotThereIsOneProblemSayingSo() {
        // before: "cannot read F: F", then a second problem "no namespace configured" that only followed from the first
        Path missing = dir.resolve("nope.json");
        OutpostConfig config = OutpostConfig.builder().set("outpost.broker.namespaces-file", missing.toString()).build();
        try (InMemoryRegistry store = InMemoryRegistry.create()) {
            assertThatThrownBy(() -> RegistryService.builder(store).configure(config).build()).isInstanceOfSatisfying(
                    ConfigException.class, e -> org.assertj.core.api.Assertions.assertThat(e.problems()).singleElement()
                            .satisfies(p -> org.assertj.core.api.Assertions.assertThat(p.toString())
                                    .contains(missing + ": no such file")));
        }
    }

    @Test
    void aSecretWrittenWithoutQuotesIsNotQuotedInTheError() throws Exception {
        refusedWithoutTheSecret("{\"svc\": {\"readers\": [\"*\"],\n \"write-secret\": " + SECRET + "}}");
    }

    @Test
    void aSecretWithABrokenEscapeIsNotQuotedInTheError() throws Exception {
        refusedWithoutTheSecret("{\"svc\": {\"readers\": [\"*\"],\n \"write-secret\": \"" + SECRET + "\\q\"}}");
    }

    @Test
    void aSecretWithAControlCharacterIsNotQuotedInTheError() throws Exception {
        refusedWithoutTheSecret("{\"svc\": {\"readers\": [\"*\"],\n \"write-secret\": \"" + SECRET + "\u0001\"}}");
    }

    @Test
    void aNamespaceOrFieldGivenTwiceIsRefusedNotSilentlyTheLastOne() throws Exception {
        // a reviewer reads the first rule; the parser kept the second ("writers": ["*"]): anyone could write
        refusedWithoutTheSecret("{\"svc\": {\"readers\": [\"*\"], \"writers\": [\"ops\"]},\n \"svc\": {\"readers\": [\"*\"],"
                + " \"writers\": [\"*\"], \"write-secret\": \"" + SECRET + "\"}}");
        refusedWithoutTheSecret("{\"svc\": {\"readers\": [\"*\"], \"writers\": [\"ops\"],\n \"writers\": [\"*\"],"
                + " \"write-secret\": \"" + SECRET + "\"}}");
    }
}
