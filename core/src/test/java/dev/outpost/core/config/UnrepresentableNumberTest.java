package dev.outpost.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A YAML or JSON number that cannot be represented ({@code 1e400}, {@code .inf}, {@code .nan})
 * became the text "Infinity" or "NaN" without a word; it is refused naming the key, the value and
 * the file. Integers and durations that overflow are refused as such too.
 */
class UnrepresentableNumberTest {
    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    private void refused(Path file, String key, String value) {
        assertThatThrownBy(() -> OutpostConfig.builder().localFile(file).build()).as(value)
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement().satisfies(p -> {
                    assertThat(p.key()).isEqualTo(key);
                    assertThat(p.message()).contains("'" + value + "'").contains("cannot be represented").contains(file.toString());
                }));
    }

    @Test
    void yamlNumbersBeyondADoubleOrNotFiniteAreRefused() throws IOException {
        for (String v : new String[] {"1e400", "-1.5e+400", "1.0e400", ".inf", "-.Inf", ".NaN", "1e-400"}) {
            refused(write("local.yaml", "myapp:\n  limits:\n    ratio: " + v + "\n"), "myapp.limits.ratio", v);
        }
        // in a list too, named by the list's key
        refused(write("list.yaml", "myapp:\n  ratios: [1.5, 1e400]\n"), "myapp.ratios", "1e400");
        // what fits is kept, and a quoted one is text
        OutpostConfig ok = OutpostConfig.builder().localFile(write("ok.yaml", "myapp:\n  a: 1.5\n  b: \".inf\"\n  c: 123456789012345678901234567890\n"))
                .build();
        assertThat(ok.string("myapp.a")).contains("1.5");
        assertThat(ok.string("myapp.b")).contains(".inf");
        assertThat(ok.string("myapp.c")).contains("123456789012345678901234567890");
    }

    @Test
    void jsonNumbersBeyondADoubleAreRefused() throws IOException {
        refused(write("local.json", "{\"myapp\":{\"limits\":{\"ratio\":1e400}}}"), "myapp.limits.ratio", "1e400");
        refused(write("list.json", "{\"myapp\":{\"ratios\":[1.5,-1E+400]}}"), "myapp.ratios", "-1E+400");
        assertThat(OutpostConfig.builder().localFile(write("ok.json", "{\"myapp\":{\"a\":2.5}}")).build().string("myapp.a"))
                .contains("2.5");
    }

    @Test
    void aSecretsUnrepresentableNumberIsNotQuoted() throws IOException {
        Path f = write("secret.yaml", "myapp:\n  pin-token: 1e400\n");
        assertThatThrownBy(() -> OutpostConfig.builder().localFile(f).build()).isInstanceOfSatisfying(ConfigException.class,
                e -> assertThat(e.getMessage()).doesNotContain("1e400").contains("myapp.pin-token").contains("not shown"));
    }

    @Test
    void integersAndDurationsThatOverflowAreConfigErrors() {
        OutpostConfig c = OutpostConfig.builder().set("outpost.worker.concurrency", "99999999999")
                .set("outpost.worker.timeout", "9999999999999999999999d").set("outpost.worker.poll-wait", "106751991167301d")
                .set("outpost.worker.visibility", "PT9999999999999999999999H").build();
        assertThatThrownBy(() -> c.intValue("outpost.worker.concurrency")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("'99999999999' is outside the integer range");
        assertThatThrownBy(() -> c.duration("outpost.worker.timeout")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("too large for a duration");
        assertThatThrownBy(() -> c.duration("outpost.worker.poll-wait")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("too large for a duration");
        assertThatThrownBy(() -> c.duration("outpost.worker.visibility")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("is not a duration");
    }
}
