package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Json;
import dev.outpost.testsupport.JavaSources;
import dev.outpost.testsupport.ReadmeCode;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README as a user meets it: each complete program ({@code // File: X.java}) is taken from
 * README.md, compiled and run; every other Java snippet compiles in a method with the README's
 * names in scope (its own imports moved to the top of the file, where a user puts them).
 */
class ReadmeExamplesTest {
    private static final String PRELUDE = """
            import dev.outpost.*;
            import dev.outpost.kv.*;
            import java.net.InetSocketAddress;
            import java.nio.file.Path;
            import java.time.Duration;
            import java.util.*;
            %3$s

            abstract class %1$s {
                SqliteRegistry store;

                void snippet() throws Exception {
            %2$s
                }
            }
            """;

    @TempDir
    Path dir;

    /** Compiles README.md's {@code // File: NAME.java} block into {@code dir/classes}. */
    private Path compileProgram(String name) throws Exception {
        Path source = JavaSources.write(dir, name + ".java", ReadmeCode.read(Path.of("README.md")).file(name + ".java"));
        Path classes = dir.resolve("classes");
        JavaSources.Compilation javac = JavaSources.compile(classes, source);
        assertThat(javac.exitCode()).as(javac.diagnostics()).isZero();
        return classes;
    }

    /** Compiled and run exactly as printed: before, it was statements without a class, which compile nowhere. */
    @Test
    void sqliteRegistryIsACompleteProgram() throws Exception {
        Path classes = compileProgram("KvExample");
        String out = JavaSources.runMain(classes, "KvExample", dir.resolve("kv-data").toString());
        assertThat(out.lines())
                .contains("svc/billing = {\"queue\":\"billing-requests\",\"healthy\":true}");
        assertThat(dir.resolve("kv-data/kv.db")).exists();
    }

    /** Run as a user runs it: its own JVM, the write key in its environment. */
    @Test
    void theBrokerAndAHostPrintWhatTheReadmeSays() throws Exception {
        Path classes = compileProgram("KvBroker");
        Path db = dir.resolve("kv.db");
        JavaSources.Exit java = JavaSources.java(classes, "KvBroker").env("SVC_WRITE_KEY", "svc-write-secret-0123456789")
                .args(db.toString()).run(Duration.ofSeconds(60));
        assertThat(java.exitCode()).as(java.stdout()).isZero();
        assertThat(java.stdout().lines()).contains("{\"queue\":\"billing\"} by billing-host-3 via access-key:svc");
        try (SqliteRegistry store = SqliteRegistry.open(db)) {
            // the host removed its own entry on its way out: a second run registers it again
            assertThat(store.get("svc/billing")).isEmpty();
        }
    }

    @Test
    void withoutTheKeyTheBrokerPrintsItsUsage() throws Exception {
        Path classes = compileProgram("KvBroker");
        JavaSources.Exit java = JavaSources.java(classes, "KvBroker").withoutEnv("SVC_WRITE_KEY")
                .args(dir.resolve("kv.db").toString()).run(Duration.ofSeconds(60));
        assertThat(java.exitCode()).isEqualTo(2);
        assertThat(java.stderr()).startsWith("usage: SVC_WRITE_KEY=... java KvBroker DATABASE_FILE");
        assertThat(dir.resolve("kv.db")).doesNotExist();
    }

    @TestFactory
    Stream<DynamicTest> everyOtherJavaSnippetCompiles() {
        List<ReadmeCode.Block> snippets = ReadmeCode.read(Path.of("README.md")).snippets();
        assertThat(snippets).as("java snippets in README.md").hasSizeGreaterThanOrEqualTo(2);
        return snippets.stream().map(b -> DynamicTest.dynamicTest(b.where(), () -> {
            Path source = JavaSources.write(dir, b.className() + ".java", b.inPrelude(PRELUDE));
            JavaSources.Compilation javac = JavaSources.compile(dir, source);
            assertThat(javac.exitCode()).as(javac.diagnostics()).isZero();
        }));
    }

    /** The discovery snippet's calls, run on loopback (the README's addresses are a LAN's). */
    @Test
    void discovery() throws Exception {
        // once, on the broker: the private key file (0600) and the public key's text, for the hosts
        String publicKey = DiscoveryKeys.generate(dir.resolve("discovery.key"));
        try (SqliteRegistry store = SqliteRegistry.open(dir.resolve("kv.db"));
                DiscoveryResponder discovery = DiscoveryResponder.builder(store, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                        .signingKeyFile(dir.resolve("discovery.key")).discoverable("svc").brokerId("broker-1").reach(Map.of("transport", "sqs", "requests", "kv-requests"))
                        .build().start()) {
            store.register("svc/billing", Json.parse("1"), Optional.empty());
            Optional<DiscoveryClient.Found> found = DiscoveryClient.find(discovery.address(), "svc/billing",
                    DiscoveryKeys.publicKey(publicKey), Duration.ofSeconds(2));
            assertThat(found).map(DiscoveryClient.Found::broker).contains("broker-1");
        }
    }
}
