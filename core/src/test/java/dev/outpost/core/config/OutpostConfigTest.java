package dev.outpost.core.config;

import dev.outpost.spi.ConfigSource;
import dev.outpost.ConfigException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.core.Worker;
import dev.outpost.inmemory.InMemoryTransport;
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
    void defaultsComeFromTheModulesKeyFiles() {
        OutpostConfig c = OutpostConfig.defaults();
        assertThat(c.intValue("outpost.worker.concurrency")).contains(8);
        assertThat(c.duration("outpost.worker.timeout")).contains(Duration.ofSeconds(30));
        assertThat(c.sourceOf("outpost.worker.concurrency")).contains("defaults");
        assertThat(OutpostConfig.declaredKeys()).containsKeys("outpost.worker.concurrency", "outpost.client.reply-to");
    }

    /** The documented defaults (META-INF/outpost-config.properties) and the code's constants must agree. */
    @Test
    void documentedDefaultsAreTheCodesDefaults() {
        Map<String, String> d = OutpostConfig.defaults().subset("outpost");
        assertThat(d).containsEntry("worker.requests", Worker.DEFAULT_REQUESTS)
                .containsEntry("worker.dead-letter", Worker.DEFAULT_DEAD_LETTER)
                .containsEntry("worker.concurrency", Integer.toString(Worker.DEFAULT_CONCURRENCY))
                .containsEntry("worker.pollers", "auto").containsEntry("worker.prefetch", "auto")
                .containsEntry("worker.max-attempts", Integer.toString(Worker.DEFAULT_MAX_ATTEMPTS))
                .containsEntry("worker.dedupe", Integer.toString(Worker.DEFAULT_DEDUPE))
                .containsEntry("worker.max-message-bytes", Integer.toString(Worker.DEFAULT_MAX_MESSAGE_BYTES))
                .containsEntry("worker.reply-to.allow", String.join(",", Worker.DEFAULT_REPLY_TO_ALLOW))
                .containsEntry("client.requests", Worker.DEFAULT_REQUESTS);
        OutpostConfig c = OutpostConfig.defaults();
        assertThat(c.duration("outpost.worker.poll-wait")).contains(Worker.DEFAULT_POLL_WAIT);
        assertThat(c.duration("outpost.worker.timeout")).contains(Worker.DEFAULT_TIMEOUT);
        assertThat(c.duration("outpost.worker.visibility")).contains(Worker.DEFAULT_VISIBILITY);
        assertThat(c.duration("outpost.worker.drain-timeout")).contains(Worker.DEFAULT_DRAIN_TIMEOUT);
        assertThat(c.duration("outpost.worker.backoff.initial")).contains(Worker.DEFAULT_BACKOFF_INITIAL);
        assertThat(c.duration("outpost.worker.backoff.max")).contains(Worker.DEFAULT_BACKOFF_MAX);
        assertThat(c.duration("outpost.client.poll-wait")).contains(Worker.DEFAULT_POLL_WAIT);
        assertThat(c.string("outpost.collectors.allow")).isEmpty();
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
        assertThat(c.intValue("outpost.worker.concurrency")).contains(3);
        assertThat(c.intValue("outpost.worker.max-attempts")).contains(6);
        assertThat(c.duration("outpost.worker.timeout")).contains(Duration.ofSeconds(12));
        assertThat(c.list("outpost.collectors.allow")).containsExactly("ping", "http.*");
        assertThat(c.sourceOf("outpost.worker.max-attempts")).contains("environment");
        assertThat(c.keys()).doesNotContain("unrelated.key");
    }

    @Test
    void propertiesFilesWork() throws IOException {
        Path p = write("outpost.properties", "outpost.worker.concurrency=5\noutpost.collectors.disk.mount=/data\n");
        OutpostConfig c = OutpostConfig.builder().localFile(p).build();
        assertThat(c.intValue("outpost.worker.concurrency")).contains(5);
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
    void unknownKeysInAnyNamespaceAreRefusedWithTheirFileAndTheNearestKey() throws IOException {
        Path p = write("typos.yaml", """
                outpost:
                  worker:
                    concurancy: 4
                  client:
                    reply-too: replies
                  sqs:
                    regon: eu-west-1
                  nacl:
                    secret-kye: /etc/outpost/worker.key
                  brand-new:
                    thing: 1
                """);
        assertThatThrownBy(() -> OutpostConfig.builder().localFile(p).build())
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.problems()).extracting(ConfigException.Problem::key).containsExactlyInAnyOrder(
                            "outpost.worker.concurancy", "outpost.client.reply-too", "outpost.sqs.regon",
                            "outpost.nacl.secret-kye", "outpost.brand-new.thing");
                    assertThat(e.getMessage()).contains("typos.yaml")
                            .contains("did you mean outpost.worker.concurrency?")
                            .contains("did you mean outpost.client.reply-to?")
                            .contains("no module on the class path declares it");
                });
        assertThatThrownBy(() -> OutpostConfig.builder().environment(Map.of("OUTPOST_WORKER_CONCURENCY", "3")).build())
                .hasMessageContaining("outpost.worker.concurency").hasMessageContaining("environment");
        // a value set in code names where it came from, when the caller says (a command line's -D)
        assertThatThrownBy(() -> OutpostConfig.builder().set("outpost.worker.concurency", "3", "a -D option").build())
                .hasMessageContaining("outpost.worker.concurency: unknown key (set in a -D option)");
        assertThatThrownBy(() -> OutpostConfig.builder().set("outpost.worker.concurency", "3").build())
                .hasMessageContaining("(set in code)");
    }

    @Test
    void aSecretPastedWhereAKeyGoesIsNotEchoedAsAnUnknownKey() throws IOException {
        Path p = write("pasted.yaml", """
                outpost:
                  worker:
                    xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp: 1
                    wJalrXUtnFEMI/K7MDENG+bPxRfiCY: 2
                    concurancy: 4
                """);
        assertThatThrownBy(() -> OutpostConfig.builder().localFile(p).build())
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.getMessage()).doesNotContain("xoxb-1234567890").doesNotContain("wJalrXUtnFEMI")
                            .contains("outpost.worker.<43 characters, not shown>")
                            .contains("outpost.worker.<30 characters, not shown>")
                            .contains("outpost.worker.concurancy").contains("pasted.yaml");
                });
    }

    @Test
    void workerConfigurationReportsEveryProblemAtOnce() throws IOException {
        Path p = write("bad.yaml", """
                outpost:
                  worker:
                    concurrency: 0
                    timeout: soon
                  collectors:
                    allow: nothing.like.this
                    no.such.collector:
                      depth: 3
                """);
        OutpostConfig c = OutpostConfig.builder().localFile(p).build();
        Worker.Builder b = Worker.builder(Mockito.mock(Transport.class)).configure(c);
        assertThatThrownBy(b::build)
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .extracting(ConfigException.Problem::key)
                        .contains("outpost.worker.concurrency", "outpost.worker.timeout", "outpost.collectors.allow",
                                "outpost.collectors.no.such.collector"));
    }

    @Test
    void anAllowPatternWithAStarBeforeItsEndIsRefusedNotTakenLiterally() throws IOException {
        Path p = write("suffix.yaml", """
                outpost:
                  worker:
                    reply-to:
                      allow: outpost-client-*,*-replies
                  collectors:
                    allow: host.*.list
                """);
        OutpostConfig c = OutpostConfig.builder().localFile(p).build();
        // before: both were taken as literal names, so every reply queue and collector they meant was refused
        assertThatThrownBy(() -> Worker.builder(Mockito.mock(Transport.class)).configure(c).build())
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.problems()).extracting(ConfigException.Problem::key)
                            .containsExactlyInAnyOrder("outpost.worker.reply-to.allow", "outpost.collectors.allow");
                    assertThat(e.getMessage()).contains("'*-replies' has a * before its end").contains("suffix.yaml")
                            .contains("'host.*.list'");
                });
        assertThatThrownBy(() -> Worker.builder(Mockito.mock(Transport.class)).allowReplyTo("replies-*-eu").build())
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.getMessage())
                        .contains("outpost.worker.reply-to.allow").contains("'replies-*-eu'").contains("set in code"));
    }

    @Test
    void explicitBuilderCallsWinOverConfigurationWhateverTheOrder() {
        OutpostConfig c = OutpostConfig.builder().set("outpost.worker.concurrency", "3")
                .set("outpost.worker.requests", "from-config").build();
        try (InMemoryTransport t = InMemoryTransport.create()) {
            Worker before = Worker.builder(t).concurrency(5).configure(c).build();
            Worker after = Worker.builder(t).configure(c).concurrency(5).build();
            assertThat(before.status().concurrency()).isEqualTo(5);
            assertThat(after.status().concurrency()).isEqualTo(5);
            assertThat(after.status().source()).isEqualTo("from-config");
            before.close();
            after.close();
        }
    }

    @Test
    void aBuilderCanBeReusedAndLaterCallsDoNotChangeBuiltWorkers() {
        try (InMemoryTransport t = InMemoryTransport.create()) {
            Worker.Builder b = Worker.builder(t).concurrency(2);
            Worker first = b.build();
            b.concurrency(7).requests("other");
            Worker second = b.build();
            assertThat(first.status().concurrency()).isEqualTo(2);
            assertThat(first.status().source()).isEqualTo("requests");
            assertThat(second.status().concurrency()).isEqualTo(7);
            first.close();
            second.close();
        }
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
    void aHugeOrExplodingFileIsRefusedBeforeItIsParsed() throws IOException {
        // a 2 MB value parsed for seconds (20 MB for minutes) before SnakeYAML's own limit refused it
        Path huge = write("huge.yaml", "outpost.worker.requests: \"" + "x".repeat(2_000_000) + "\"\n");
        assertThatThrownBy(() -> OutpostConfig.builder().localFile(huge).build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("huge.yaml").hasMessageContaining("larger than");
        Path json = write("huge.json", "{\"outpost.worker.requests\": \"" + "x".repeat(2_000_000) + "\"}");
        assertThatThrownBy(() -> OutpostConfig.builder().localFile(json).build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("larger than");
        StringBuilder laughs = new StringBuilder("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (char c = 'b', prev = 'a'; c <= 'j'; prev = c, c++) {
            laughs.append(c).append(": &").append(c).append(" [").append(("*" + prev + ", ").repeat(8)).append('*').append(prev).append("]\n");
        }
        Path bomb = write("laughs.yaml", laughs.toString());
        assertThatThrownBy(() -> OutpostConfig.builder().localFile(bomb).build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("aliases");
    }

    @Test
    void onlyKeysDeclaredNotSecretShowTheirValues() {
        OutpostConfig c = OutpostConfig.builder()
                .set("outpost.collectors.http.request.api-key", "s3cr3t")
                .set("outpost.collectors.db.dsn", "postgres://app:hunter2@db:5432/x")
                .set("outpost.test.endpoint", "https://admin:pa55@sqs.example:9324") // declared in test resources
                .set("outpost.worker.requests", "jobs")
                .build();
        assertThat(c.redacted()).containsEntry("outpost.collectors.http.request.api-key", "****")
                .containsEntry("outpost.collectors.db.dsn", "****")
                .containsEntry("outpost.test.endpoint", "https://****@sqs.example:9324")
                .containsEntry("outpost.worker.requests", "jobs");
        assertThat(c.toString()).doesNotContain("s3cr3t", "hunter2", "pa55");
    }

    @Test
    void userInfoWithSlashesOrAtSignsIsMaskedWhole() {
        OutpostConfig c = OutpostConfig.builder()
                .set("outpost.test.endpoint", "https://admin:pa/55@sqs.example:9324/q")
                .build();
        assertThat(c.redacted()).containsEntry("outpost.test.endpoint", "https://****@sqs.example:9324/q");
        assertThat(OutpostConfig.builder().set("outpost.test.endpoint", "https://admin:p@55@sqs.example/q").build().redacted())
                .containsEntry("outpost.test.endpoint", "https://****@sqs.example/q");
        assertThat(OutpostConfig.builder().set("outpost.test.endpoint", "https://admin:8080/s3cret@db/x").build().redacted())
                .containsEntry("outpost.test.endpoint", "https://****@db/x");
        // several URLs in one value, and one without user-info left alone
        assertThat(OutpostConfig.builder().set("outpost.test.endpoint",
                        "https://sqs.example/q, jdbc:postgresql://u:p/w@h:5432/db").build().redacted())
                .containsEntry("outpost.test.endpoint", "https://sqs.example/q, jdbc:postgresql://****@h:5432/db");
    }

    @Test
    void userInfoHoldingACommaASemicolonOrASpaceIsMaskedWhole() {
        for (String secret : new String[] {"pa,55", "pa;55", "pa 55", "pa\t55"}) {
            OutpostConfig c = OutpostConfig.builder().set("outpost.test.endpoint", "https://admin:" + secret + "@sqs.example/q").build();
            assertThat(c.redacted()).containsEntry("outpost.test.endpoint", "https://****@sqs.example/q");
            assertThat(c.toString()).doesNotContain("admin", secret);
        }
        // a list of URLs still masks each one alone
        assertThat(OutpostConfig.builder().set("outpost.test.endpoint", "https://a:b,c@h1/q, https://h2/q;amqp://d:e f@h3")
                .build().redacted()).containsEntry("outpost.test.endpoint", "https://****@h1/q, https://h2/q;amqp://****@h3");
    }

    @Test
    void anIntegerIsWrittenInAsciiDigitsAsADurationIs() {
        // Integer.parseInt reads Arabic-Indic, Devanagari, fullwidth digits...: "١٠٠" was 100, while "١٠٠s" was refused
        for (String odd : new String[] {"\u0661\u0660\u0660", "\u0967", "\uff13", "1\u0660"}) {
            OutpostConfig c = OutpostConfig.builder().set("outpost.worker.max-attempts", odd).build();
            assertThatThrownBy(() -> c.intValue("outpost.worker.max-attempts")).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("not an integer");
        }
        OutpostConfig c = OutpostConfig.builder().set("outpost.worker.max-attempts", " 7 ").set("outpost.worker.concurrency", "-3")
                .build();
        assertThat(c.intValue("outpost.worker.max-attempts")).hasValue(7);
        assertThat(c.intValue("outpost.worker.concurrency")).hasValue(-3);
    }

    @Test
    void durationsAcceptHumanAndIsoForms() {
        assertThat(ConfigSource.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(ConfigSource.parseDuration("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(ConfigSource.parseDuration("PT1H")).isEqualTo(Duration.ofHours(1));
        assertThatThrownBy(() -> ConfigSource.parseDuration("30")).hasMessageContaining("30s");
    }

    private Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    @Test
    void aDurationPastWhatADurationOrALongHoldsIsABadValueNamingItsKey() {
        for (String huge : new String[] {"100000000000000000d", "99999999999999999999s"}) {
            OutpostConfig c = OutpostConfig.builder().set("outpost.worker.timeout", huge).build();
            assertThatThrownBy(() -> c.duration("outpost.worker.timeout"))
                    .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                            .singleElement().satisfies(p -> {
                                assertThat(p.key()).isEqualTo("outpost.worker.timeout");
                                assertThat(p.message()).contains("too large for a duration");
                            }));
        }
    }
}
