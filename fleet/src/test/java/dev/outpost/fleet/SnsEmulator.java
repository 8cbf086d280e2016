package dev.outpost.fleet;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sns.SnsAsyncClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * The fauxqs SNS+SQS emulator (the version transport-sqs's tests pin) run by Node on 127.0.0.1,
 * with SDK clients that count their API calls by operation. Skipped when Node is missing (fails
 * under CI=true).
 */
final class SnsEmulator implements AutoCloseable {
    static final String PACKAGE = "fauxqs@1.9.2";
    private static final Path DIR = Path.of("target", "fauxqs");

    private final Process node;
    private final URI endpoint;

    private SnsEmulator(Process node, URI endpoint) {
        this.node = node;
        this.endpoint = endpoint;
    }

    static SnsEmulator start() throws IOException, InterruptedException {
        boolean hasNode;
        try {
            hasNode = new ProcessBuilder("node", "--version").start().waitFor() == 0;
        } catch (IOException e) {
            hasNode = false;
        }
        if (!hasNode) {
            if ("true".equals(System.getenv("CI"))) {
                throw new IllegalStateException("Node.js is required for the fleet's SNS test");
            }
            Assumptions.abort("SKIPPED: no Node.js on the PATH for the fauxqs emulator");
        }
        if (!Files.isDirectory(DIR.resolve("node_modules/fauxqs"))) {
            Files.createDirectories(DIR);
            Process npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--prefix", DIR.toString(), PACKAGE)
                    .redirectErrorStream(true).redirectOutput(DIR.resolve("npm.log").toFile()).start();
            if (!npm.waitFor(5, TimeUnit.MINUTES) || npm.exitValue() != 0) {
                throw new IllegalStateException("npm install " + PACKAGE + " failed, see " + DIR.resolve("npm.log"));
            }
        }
        Files.writeString(DIR.resolve("serve.mjs"), String.join("\n",
                "import { buildApp } from 'fauxqs';",
                "const server = buildApp({ logger: false });",
                "await server.listen({ host: '127.0.0.1', port: 0 });",
                "console.log('port=' + server.server.address().port);",
                "process.stdin.on('end', () => process.exit(0));",
                "process.stdin.resume();", ""));
        Process p = new ProcessBuilder("node", "serve.mjs").directory(DIR.toFile()).redirectErrorStream(true).start();
        String first = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        if (first == null || !first.startsWith("port=")) {
            p.destroyForcibly();
            throw new IllegalStateException("fauxqs did not start: " + first);
        }
        return new SnsEmulator(p, URI.create("http://127.0.0.1:" + first.substring(5).trim()));
    }

    /** API calls by operation name, for the clients made with the same counter. */
    static final class Calls {
        /** Receives that returned no message, counted apart as well as among the ReceiveMessage calls. */
        static final String EMPTY_RECEIVES = "ReceiveMessage(empty)";
        final Map<String, AtomicLong> byOperation = new ConcurrentHashMap<>();

        long get(String operation) {
            AtomicLong n = byOperation.get(operation);
            return n == null ? 0 : n.get();
        }

        ClientOverrideConfiguration config() {
            return ClientOverrideConfiguration.builder().addExecutionInterceptor(new ExecutionInterceptor() {
                @Override
                public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                    byOperation.computeIfAbsent(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME), k -> new AtomicLong())
                            .incrementAndGet();
                }

                @Override
                public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
                    if (context.response() instanceof software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse r
                            && r.messages().isEmpty()) {
                        byOperation.computeIfAbsent(EMPTY_RECEIVES, k -> new AtomicLong()).incrementAndGet();
                    }
                }
            }).build();
        }
    }

    SqsAsyncClient sqs(Calls calls) {
        return SqsAsyncClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .overrideConfiguration(calls.config()).build();
    }

    SnsAsyncClient sns(Calls calls) {
        return SnsAsyncClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .overrideConfiguration(calls.config()).build();
    }

    @Override
    public void close() throws InterruptedException {
        try {
            node.getOutputStream().close();
        } catch (IOException e) {
            node.destroyForcibly();
        }
        if (!node.waitFor(5, TimeUnit.SECONDS)) {
            node.destroyForcibly();
        }
    }
}
