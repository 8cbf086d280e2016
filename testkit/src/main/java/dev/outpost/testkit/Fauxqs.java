package dev.outpost.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The fauxqs emulator of SQS, SNS and S3 (npm {@value #VERSION}, pinned here for every module's
 * tests), run by Node.js on 127.0.0.1 on a free port for the tests that need a real server for
 * topics or S3. It is installed by npm into {@code target/fauxqs} under the working directory (the
 * module's directory under Maven) on first use, then reused.
 *
 * <p>Without Node.js on the {@code PATH}, {@link #start()} aborts the calling test (skipped, with
 * a message), except when the environment has {@code CI=true}: there it fails, so that CI never
 * skips these tests silently.
 *
 * <p>This class needs no AWS SDK: build the clients from {@link #endpoint()}, {@link #region()}
 * and the static credentials, for example
 *
 * <pre>{@code
 * try (Fauxqs fauxqs = Fauxqs.start()) {
 *     SqsAsyncClient sqs = SqsAsyncClient.builder().endpointOverride(fauxqs.endpoint())
 *             .region(Region.of(fauxqs.region()))
 *             .credentialsProvider(StaticCredentialsProvider.create(
 *                     AwsBasicCredentials.create(fauxqs.accessKeyId(), fauxqs.secretAccessKey())))
 *             .build();
 *     // S3 clients also need .forcePathStyle(true)
 * }
 * }</pre>
 */
public final class Fauxqs implements AutoCloseable {
    /** The npm package and version the tests run. */
    public static final String VERSION = "fauxqs@1.9.2";
    private static final String SCRIPT = """
            import { buildApp } from "fauxqs";
            const app = buildApp({ logger: false });
            await app.listen({ host: "127.0.0.1", port: 0 });
            console.log("listening " + app.server.address().port);
            process.stdin.on("end", () => process.exit(0));
            process.stdin.resume();
            """;

    private final Process process;
    private final int port;

    private Fauxqs(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Installs (once) and starts fauxqs under {@code target/fauxqs}. */
    public static Fauxqs start() throws IOException, InterruptedException {
        return start(Path.of("target", "fauxqs"));
    }

    /**
     * Installs (once) and starts fauxqs in {@code home}: npm's {@code node_modules} and the start
     * script live there, npm's output in {@code npm-install.log}.
     *
     * @throws IllegalStateException when npm cannot install it or it does not start
     */
    public static Fauxqs start(Path home) throws IOException, InterruptedException {
        Objects.requireNonNull(home, "home");
        requireNode();
        if (!Files.isDirectory(home.resolve("node_modules/fauxqs"))) {
            Files.createDirectories(home);
            Process npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--prefix", home.toString(), VERSION)
                    .redirectErrorStream(true).redirectOutput(home.resolve("npm-install.log").toFile()).start();
            if (!npm.waitFor(5, TimeUnit.MINUTES) || npm.exitValue() != 0) {
                npm.destroyForcibly();
                throw new IllegalStateException("npm install " + VERSION + " failed: see " + home.resolve("npm-install.log"));
            }
        }
        Files.writeString(home.resolve("start.mjs"), SCRIPT);
        Process p = new ProcessBuilder("node", "start.mjs").directory(home.toFile()).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null || !line.startsWith("listening ")) {
            p.destroyForcibly();
            throw new IllegalStateException("fauxqs did not start: " + line);
        }
        return new Fauxqs(p, Integer.parseInt(line.substring("listening ".length()).trim()));
    }

    private static void requireNode() throws InterruptedException {
        boolean present;
        try {
            present = new ProcessBuilder("node", "--version").start().waitFor() == 0;
        } catch (IOException e) {
            present = false;
        }
        if (!present) {
            if ("true".equals(System.getenv("CI"))) {
                throw new IllegalStateException("Node.js is required for the SNS/S3 tests (fauxqs) and CI must run them: "
                        + ".ci/run installs nodejs and npm");
            }
            Assumptions.abort("SKIPPED: Node.js is not on the PATH, so the tests that need fauxqs (SNS/S3) cannot run here");
        }
    }

    /** SQS, SNS and S3 are all served here ({@code http://127.0.0.1:PORT}). */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** The region to give the clients: {@code us-east-1}. */
    public String region() {
        return "us-east-1";
    }

    /** Static credentials fauxqs accepts: {@code test}. */
    public String accessKeyId() {
        return "test";
    }

    /** Static credentials fauxqs accepts: {@code test}. */
    public String secretAccessKey() {
        return "test";
    }

    /** Stops the server (closing its standard input ends it; killed after 5 s). */
    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException | InterruptedException e) {
            process.destroyForcibly();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
