package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Json;
import dev.outpost.core.Client;
import dev.outpost.inmemory.InMemoryTransport;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's examples: KvExample compiled and run as printed, the others run here (paths, addresses and secrets adapted to a test). */
class ReadmeExamplesTest {
    @TempDir
    Path dir;

    /** Compiled and run exactly as printed: before, it was statements without a class, which compile nowhere. */
    @Test
    void sqliteRegistryIsACompleteProgram() throws Exception {
        Matcher m = Pattern.compile("```java\\n// File: KvExample\\.java\\n(.*?)```", Pattern.DOTALL)
                .matcher(Files.readString(Path.of("README.md")));
        assertThat(m.find()).as("README.md has the complete KvExample.java").isTrue();
        Path classes = Files.createDirectory(dir.resolve("classes"));
        Path source = classes.resolve("KvExample.java");
        Files.writeString(source, m.group(1));
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = ToolProvider.getSystemJavaCompiler().run(null, errors, errors, "-d", classes.toString(), "-proc:none",
                "-cp", cp.replace(File.pathSeparator + File.pathSeparator, File.pathSeparator), source.toString());
        assertThat(rc).as(errors.toString(StandardCharsets.UTF_8)).isZero();
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            loader.loadClass("KvExample").getMethod("main", String[].class)
                    .invoke(null, (Object) new String[] {dir.resolve("kv-data").toString()});
        } finally {
            System.setOut(original);
        }
        assertThat(out.toString(StandardCharsets.UTF_8).lines())
                .contains("svc/billing = {\"queue\":\"billing-requests\",\"healthy\":true}");
        assertThat(dir.resolve("kv-data/kv.db")).exists();
    }

    @Test
    void brokerAndHost() {
        String secret = "svc-write-secret-0123456789";
        try (InMemoryTransport transport = InMemoryTransport.create()) {
            // the broker: a RegistryService that owns its worker (builtins off, duplicate suppression on)
            try (SqliteRegistry store = SqliteRegistry.open(dir.resolve("kv.db"));
                    RegistryService broker = RegistryService.builder(store)
                            .brokerId("broker-1")
                            .namespace("svc", NamespaceAccess.builder().readers("*").writeKey(secret).build())
                            .namespace("cfg", NamespaceAccess.builder().readers("*").writers("ops", "8e7f4fdd20a1ef77").build())
                            .transport(transport).requests("kv-requests")
                            .build().start()) {
                // a host
                try (Client client = Client.builder(transport).requests("kv-requests").pollWait(Duration.ofMillis(200)).build().start();
                        RemoteRegistry kv = RemoteRegistry.builder(client).accessKey("svc", secret).build()) {
                    kv.writingAs("billing-host-3").register("svc/billing", Json.parse("{\"queue\":\"billing\"}"),
                            Optional.of(Duration.ofMinutes(1)));
                    kv.get("svc/billing").ifPresent(e -> System.out.println(e.value() + " by " + e.updatedBy().orElse("?")));
                    assertThat(kv.get("svc/billing").orElseThrow().updatedBy()).contains("billing-host-3 via access-key:svc");
                }
            }
        }
    }

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
