package dev.outpost.core.config;

import dev.outpost.internal.Durations;
import dev.outpost.ConfigException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.core.Worker;
import dev.outpost.spi.Transport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mockito.Mockito;

class OutpostConfigTest {
    @TempDir
    Path dir;

    @Test
    void defaultsListEveryKey() {
        OutpostConfig c = OutpostConfig.defaults();
        assertThat(c.intValue("outpost.worker.concurrency")).isEqualTo(8);
        assertThat(c.duration("outpost.worker.timeout")).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.sourceOf("outpost.worker.concurrency")).contains("defaults");
    }

    @Test
    void laterLayersWinInTheDocumentedOrder() throws IOException {
        Path global = write("global.yaml", """
                outpost:
                  worker:
                    concurrency: 2
                    max-attempts: 4
                    timeout: 10s
                    requests: from-global
                  collectors:
                    allow: [ping, "http.*"]
                """);
        Path local = write("local.json", "{\"outpost\":{\"worker\":{\"concurrency\":3,\"max-attempts\":5,\"timeout\":\"11s\"}}}");
        Properties sys = new Properties();
        sys.setProperty("outpost.worker.timeout", "12s");
        sys.setProperty("unrelated.key", "x");
        OutpostConfig c = OutpostConfig.builder()
                .globalFile(global)
                .localFile(local)
                .environment(Map.of("OUTPOST_WORKER_MAX_ATTEMPTS", "6", "PATH", "/bin"))
                .systemProperties(sys)
                .build();
        assertThat(c.string("outpost.worker.requests")).contains("from-global");
        assertThat(c.intValue("outpost.worker.concurrency")).isEqualTo(3);
        assertThat(c.intValue("outpost.worker.max-attempts")).isEqualTo(6);
        assertThat(c.duration("outpost.worker.timeout")).isEqualTo(Duration.ofSeconds(12));
        assertThat(c.list("outpost.collectors.allow")).containsExactly("ping", "http.*");
        assertThat(c.sourceOf("outpost.worker.max-attempts")).contains("environment");
        assertThat(c.keys()).doesNotContain("unrelated.key");
    }

    @Test
    void propertiesFilesWork() throws IOException {
        Path p = write("outpost.properties", "outpost.worker.concurrency=5\noutpost.collectors.disk.mount=/data\n");
        OutpostConfig c = OutpostConfig.builder().localFile(p).build();
        assertThat(c.intValue("outpost.worker.concurrency")).isEqualTo(5);
        assertThat(c.subset("outpost.collectors.disk")).containsEntry("mount", "/data");
    }

    @Test
    void badValuesNameTheKeyAndTheFileThatSetIt() throws IOException {
        Path p = write("bad.yaml", "outpost:\n  worker:\n    concurrency: lots\n    timeout: soon\n");
        OutpostConfig c = OutpostConfig.builder().localFile(p).build();
        assertThatThrownBy(() -> c.intValue("outpost.worker.concurrency"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("outpost.worker.concurrency")
                .hasMessageContaining("'lots' is not an integer")
                .hasMessageContaining("bad.yaml");
        assertThatThrownBy(() -> c.duration("outpost.worker.timeout"))
                .hasMessageContaining("outpost.worker.timeout")
                .hasMessageContaining("30s");
    }

    @Test
    void workerConfigurationReportsEveryProblemAtOnce() throws IOException {
        Path p = write("bad.yaml", """
                outpost:
                  worker:
                    concurrency: 0
                    timeout: soon
                    concurrancy: 4
                """);
        OutpostConfig c = OutpostConfig.builder().localFile(p).build();
        Worker.Builder b = Worker.builder(Mockito.mock(Transport.class));
        assertThatThrownBy(() -> b.configure(c))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .extracting(ConfigException.Problem::key)
                        .containsExactlyInAnyOrder("outpost.worker.concurrency", "outpost.worker.timeout",
                                "outpost.worker.concurrancy"));
    }

    @Test
    void missingOrMalformedFilesAreClearErrors() throws IOException {
        assertThatThrownBy(() -> OutpostConfig.builder().localFile(dir.resolve("nope.yaml")).build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("does not exist");
        Path broken = write("broken.yaml", "outpost: [unclosed\n");
        assertThatThrownBy(() -> OutpostConfig.builder().localFile(broken).build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("cannot parse");
        Path txt = write("config.txt", "x");
        assertThatThrownBy(() -> OutpostConfig.builder().localFile(txt).build())
                .isInstanceOf(ConfigException.class).hasMessageContaining(".yaml");
    }

    @Test
    void secretsAreRedacted() {
        OutpostConfig c = OutpostConfig.builder()
                .set("outpost.collectors.http.api-key", "s3cr3t")
                .set("outpost.sink.password", "hunter2")
                .set("outpost.sink.token", "t0k")
                .set("outpost.sink.url", "https://x")
                .build();
        assertThat(c.redacted()).containsEntry("outpost.collectors.http.api-key", "****")
                .containsEntry("outpost.sink.password", "****")
                .containsEntry("outpost.sink.token", "****")
                .containsEntry("outpost.sink.url", "https://x");
        assertThat(c.toString()).doesNotContain("s3cr3t", "hunter2", "t0k");
    }

    @Test
    void durationsAcceptHumanAndIsoForms() {
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Durations.parse("PT1H")).isEqualTo(Duration.ofHours(1));
        assertThatThrownBy(() -> Durations.parse("30")).hasMessageContaining("30s");
    }

    private Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }
}
