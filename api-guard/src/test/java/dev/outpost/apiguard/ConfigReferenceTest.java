package dev.outpost.apiguard;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code docs/configuration.md} is generated from the keys every module declares; the build fails
 * when the committed page differs from what the declarations give, naming the command that
 * regenerates it ({@value ConfigReference#REGENERATE}), and when a key has no description.
 */
class ConfigReferenceTest {
    static final Path ROOT = Path.of("..");
    static final Path PAGE = ROOT.resolve("docs/configuration.md");

    @Test
    void theConfigurationReferenceMatchesTheDeclaredKeys() throws Exception {
        String generated = ConfigReference.render(ROOT);
        if (Boolean.getBoolean("config.update")) {
            Files.writeString(PAGE, generated, StandardCharsets.UTF_8);
            return;
        }
        assertThat(PAGE).as("no " + PAGE + ": run " + ConfigReference.REGENERATE + " and commit it").exists();
        assertThat(Files.readString(PAGE, StandardCharsets.UTF_8))
                .as("docs/configuration.md is out of date with the modules' outpost-config.properties or docs/examples:"
                        + " run " + ConfigReference.REGENERATE + " and commit docs/configuration.md")
                .isEqualTo(generated);
    }

    @Test
    void everyDeclaredKeyIsDescribed() throws Exception {
        List<String> undescribed = new ArrayList<>();
        for (ConfigReference.Module m : ConfigReference.modules(ROOT)) {
            for (ConfigReference.Key k : m.keys()) {
                if (k.description().isBlank()) {
                    undescribed.add(m.folder() + "/" + ConfigReference.RESOURCE + ": " + k.key());
                }
            }
        }
        assertThat(undescribed).as("keys without a '# KEY: [type] description' line above them").isEmpty();
    }

    @Test
    void theGeneratorReadsKeysDefaultsSecretsTypesAndDescriptions(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path file = Files.createDirectories(dir.resolve("demo/src/main/resources/META-INF")).resolve("outpost-config.properties");
        Files.writeString(file, "# Demo (a heading, not a description)\n"
                + "# outpost.demo.wait: how long to wait\noutpost.demo.wait=20s\n"
                + "# outpost.demo.token: [text] the token | kept secret\noutpost.demo.token=secret:\n"
                + "outpost.demo.plain=3\n");
        List<ConfigReference.Module> modules = ConfigReference.modules(dir);
        assertThat(modules).singleElement().satisfies(m -> assertThat(m.keys()).containsExactly(
                new ConfigReference.Key("outpost.demo.wait", "duration", "20s", false, "how long to wait"),
                new ConfigReference.Key("outpost.demo.token", "text", "", true, "the token | kept secret"),
                new ConfigReference.Key("outpost.demo.plain", "integer", "3", false, "")));
        assertThat(ConfigReference.render(dir)).contains("| `outpost.demo.token` | text | – | yes | the token \\| kept secret |")
                .contains("**undocumented**");
    }
}
