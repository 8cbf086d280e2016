package dev.outpost.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.outpost.ConfigException;
import dev.outpost.core.Worker;
import dev.outpost.inmemory.InMemoryTransport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A configuration error quotes the bad value the way a terminal and a log can take it: clipped,
 * with control, format and bidirectional characters escaped, and not at all for a secret. Before,
 * a megabyte pasted by mistake, or an escape sequence, reached the CLI's output as it was, and a
 * secret's value was quoted when it was not a number.
 */
class ConfigErrorQuotingTest {
    private static final String MEGABYTE = "7".repeat(1024 * 1024);
    /** As large as a configuration file may hold. */
    private static final String HUGE = "7".repeat(500_000) + "x";
    /** Clears the screen, then turns the rest of the line around. */
    private static final String ESCAPES = "8\u001B[2J\u001B]0;pwned\u0007\r\n2026-12-07 INFO all good\u202Etxt.exe";

    @TempDir
    Path dir;

    private static ConfigException buildFails(Supplier<?> build) {
        return catchThrowableOfType(build::get, ConfigException.class);
    }

    private static ConfigException workerFails(OutpostConfig c) {
        return buildFails(() -> Worker.builder(InMemoryTransport.create()).configure(c).build());
    }

    private static void assertPrintable(ConfigException e) {
        assertThat(e).isNotNull();
        assertThat(e.getMessage().length()).isLessThan(2500);
        for (ConfigException.Problem p : e.problems()) {
            (p.key() + p.message()).codePoints().forEach(cp -> assertThat(Character.getType(cp)).as("U+%04X in %s", cp, p)
                    .isNotIn((int) Character.CONTROL, (int) Character.FORMAT));
        }
    }

    @Test
    void aHugeValueIsClippedWithItsLengthWhereverItIsSet() throws IOException {
        Path yaml = dir.resolve("local.yaml");
        Files.writeString(yaml, "outpost:\n  worker:\n    concurrency: \"" + HUGE + "\"\n");
        Path props = dir.resolve("local.properties");
        Files.writeString(props, "outpost.worker.max-attempts=" + HUGE + "\n");
        Properties sys = new Properties();
        sys.setProperty("outpost.worker.timeout", HUGE);
        for (OutpostConfig c : new OutpostConfig[] {
            OutpostConfig.builder().set("outpost.worker.concurrency", HUGE).build(),
            OutpostConfig.builder().localFile(yaml).build(),
            OutpostConfig.builder().localFile(props).build(),
            OutpostConfig.builder().environment(Map.of("OUTPOST_WORKER_POLL_WAIT", HUGE)).build(),
            OutpostConfig.builder().systemProperties(sys).build(),
            OutpostConfig.builder().set("outpost.collectors.outpost.ping.timeout", HUGE).build(),
            OutpostConfig.builder().set("outpost.collectors.outpost.ping.max-attempts", HUGE).build()}) {
            ConfigException e = workerFails(c);
            assertPrintable(e);
            assertThat(e.getMessage()).hasSizeLessThan(500).contains("'" + "7".repeat(100) + "…' (500001 characters)");
        }
    }

    @Test
    void controlFormatAndBidiCharactersAreEscaped() {
        ConfigException e = workerFails(OutpostConfig.builder().set("outpost.worker.concurrency", ESCAPES).build());
        assertPrintable(e);
        assertThat(e.getMessage()).contains("'8\\u001B[2J\\u001B]0;pwned\\u0007\\u000D\\u000A2026-12-07 INFO all good\\u202Etxt.exe'");
        // whoever builds the problem: a module quoting a value in full is escaped and clipped all the same
        ConfigException raw = ConfigException.of("outpost.x" + ESCAPES, "was '" + ESCAPES + MEGABYTE + "'");
        assertPrintable(raw);
        assertThat(raw.problems().get(0).message()).hasSizeLessThan(2500)
                .endsWith("… (clipped: " + ("was '" + ESCAPES + MEGABYTE + "'").length() + " characters)");
    }

    @Test
    void aSecretsValueIsNeverQuoted() {
        // declared secret by its module, though its name does not say so
        OutpostConfig declared = OutpostConfig.builder().set("outpost.test.retries-code", "hunter2-" + ESCAPES).build();
        ConfigException e = catchThrowableOfType(() -> declared.intValue("outpost.test.retries-code"), ConfigException.class);
        assertPrintable(e);
        assertThat(e.getMessage()).doesNotContain("hunter2").contains("not shown").contains("outpost.test.retries-code");
        // an application's own key whose name says so
        OutpostConfig own = OutpostConfig.builder().set("myapp.db.password", "hunter2").set("myapp.api-key", "hunter2")
                .set("myapp.retries", "hunter2").build();
        for (String key : new String[] {"myapp.db.password", "myapp.api-key"}) {
            assertThat(catchThrowableOfType(() -> own.duration(key), ConfigException.class).getMessage()).as(key)
                    .doesNotContain("hunter2").contains("a value of 7 characters (not shown");
        }
        assertThat(catchThrowableOfType(() -> own.booleanValue("myapp.retries"), ConfigException.class).getMessage())
                .contains("'hunter2' is not true or false");
        // a URL's user-info in a value that may be shown is masked
        OutpostConfig url = OutpostConfig.builder().set("outpost.test.endpoint", "https://admin:pa55@sqs.example:9324").build();
        assertThat(catchThrowableOfType(() -> url.intValue("outpost.test.endpoint"), ConfigException.class).getMessage())
                .doesNotContain("pa55").contains("'https://****@sqs.example:9324' is not an integer");
    }
}
