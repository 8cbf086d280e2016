package dev.outpost.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A key given twice in one configuration file is a mistake whichever value was meant: YAML and
 * JSON kept the last silently, properties joined both into a list ({@code reply-to.allow=replies}
 * then {@code =*} allowed every destination). Refused, naming the file and where, never the values.
 */
class ConfigKeyTwiceTest {
    @TempDir
    Path dir;

    private void refused(String name, String content, String where) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        assertThatThrownBy(() -> OutpostConfig.builder().localFile(p).build())
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement().satisfies(problem -> {
                    assertThat(problem.key()).isEqualTo(p.toString());
                    assertThat(problem.message()).contains("given twice").contains(where).doesNotContain("s3cr3t");
                }));
    }

    @Test
    void aKeyGivenTwiceInOneFileIsRefused() throws Exception {
        refused("twice.properties", "outpost.worker.reply-to.allow=replies\noutpost.worker.reply-to.allow=s3cr3t*\n",
                "outpost.worker.reply-to.allow");
        refused("twice.yaml", "outpost.worker.max-attempts: 3\noutpost.worker.max-attempts: s3cr3t\n", "line 2");
        refused("twice.json", "{\"outpost.worker.max-attempts\": 3,\n \"outpost.worker.max-attempts\": \"s3cr3t\"}", "line 2");
        // the same key nested and dotted
        refused("both.yaml", "outpost:\n  worker:\n    max-attempts: 3\noutpost.worker.max-attempts: s3cr3t\n",
                "outpost.worker.max-attempts");
    }

    @Test
    void keysGivenOnceAndYamlListsStillRead() throws Exception {
        Path p = dir.resolve("once.yaml");
        Files.writeString(p, "outpost:\n  worker:\n    max-attempts: 3\n    reply-to:\n      allow: [a, b]\n");
        OutpostConfig c = OutpostConfig.builder().localFile(p).build();
        assertThat(c.string("outpost.worker.max-attempts")).hasValue("3");
        assertThat(c.list("outpost.worker.reply-to.allow")).containsExactly("a", "b");
    }
}
