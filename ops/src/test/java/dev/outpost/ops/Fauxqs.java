package dev.outpost.ops;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * The fauxqs SNS/SQS/S3 emulator, for its S3 (as transport-sqs's tests run it) (npm {@code fauxqs@1.9.2}), installed by npm into this module's
 * {@code target/fauxqs} on first use and run by Node bound to 127.0.0.1. Without Node the tests
 * that need it are skipped with a message, except under {@code CI=true}, where they fail.
 */
final class Fauxqs implements AutoCloseable {
    static final String VERSION = "fauxqs@1.9.2";
    private static final Path HOME = Path.of("target", "fauxqs");
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

    static Fauxqs start() throws IOException, InterruptedException {
        requireNode();
        if (!Files.isDirectory(HOME.resolve("node_modules/fauxqs"))) {
            Files.createDirectories(HOME);
            Process npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--prefix", HOME.toString(), VERSION)
                    .redirectErrorStream(true).redirectOutput(HOME.resolve("npm-install.log").toFile()).start();
            if (!npm.waitFor(5, TimeUnit.MINUTES) || npm.exitValue() != 0) {
                throw new IllegalStateException("npm install " + VERSION + " failed: see " + HOME.resolve("npm-install.log"));
            }
        }
        Files.writeString(HOME.resolve("start.mjs"), SCRIPT);
        Process p = new ProcessBuilder("node", "start.mjs").directory(HOME.toFile()).redirectErrorStream(true).start();
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
            Assumptions.abort("SKIPPED: Node.js is not on the PATH, so the SNS/S3 tests (fauxqs emulator) cannot run here");
        }
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    private static StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
    }

    S3AsyncClient s3() {
        return S3AsyncClient.builder().endpointOverride(endpoint()).region(Region.US_EAST_1).credentialsProvider(credentials())
                .forcePathStyle(true).build();
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException | InterruptedException e) {
            process.destroyForcibly();
        }
    }
}
