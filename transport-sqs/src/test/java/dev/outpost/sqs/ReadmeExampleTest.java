package dev.outpost.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testsupport.JavaSources;
import dev.outpost.testsupport.ReadmeCode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * This module's README, as a user meets it: the complete program is taken from README.md,
 * compiled, and run against ElasticMQ with the SDK's own endpoint, region and credential settings
 * (the system properties that mirror {@code AWS_ENDPOINT_URL_SQS} and friends); every other Java
 * snippet compiles in a method with the README's names in scope.
 */
class ReadmeExampleTest {
    private static final String PRELUDE = """
            import dev.outpost.*;
            import dev.outpost.core.*;
            import dev.outpost.sqs.*;
            import java.net.URI;
            import java.time.Duration;
            import java.util.*;
            import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
            import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
            import software.amazon.awssdk.regions.Region;
            import software.amazon.awssdk.services.s3.S3AsyncClient;
            import software.amazon.awssdk.services.sns.SnsAsyncClient;
            import software.amazon.awssdk.services.sqs.SqsAsyncClient;

            abstract class %1$s {
                SqsAsyncClient sqs;
                SnsAsyncClient sns;
                S3AsyncClient s3;
                SqsTransport workerSide;

                void snippet() throws Exception {
            %2$s
                }
            }
            """;

    @TempDir
    Path dir;

    private static void compile(Path source, Path classes) throws Exception {
        JavaSources.Compilation javac = JavaSources.compile(classes, source);
        assertThat(javac.exitCode()).as(javac.diagnostics()).isZero();
    }

    @Test
    void theCompleteProgramRunsAgainstElasticMqAndPrintsTheAnswer() throws Exception {
        ReadmeCode readme = ReadmeCode.read(Path.of("README.md"));
        assertThat(readme.files().keySet()).as("the '// File: X.java' blocks in README.md").first().isEqualTo("SqsGreet.java");
        Path classes = Files.createDirectory(dir.resolve("classes"));
        Path source = JavaSources.write(dir, "SqsGreet.java", readme.file("SqsGreet.java"));
        compile(source, classes);

        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        // the client closed before the server: ElasticMQ's stop waits for open connections
        try (ElasticMq mq = ElasticMq.start(); SqsAsyncClient sqs = mq.client()) {
            Map<String, String> sdkSettings = Map.of(
                    "aws.endpointUrlSqs", "http://127.0.0.1:" + mq.port(),
                    "aws.region", "us-east-1",
                    "aws.accessKeyId", "test",
                    "aws.secretAccessKey", "test");
            Map<String, String> before = new HashMap<>();
            sdkSettings.keySet().forEach(k -> before.put(k, System.getProperty(k)));
            ExecutorService runner = Executors.newSingleThreadExecutor();
            try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
                sdkSettings.forEach(System::setProperty);
                Method main = loader.loadClass("SqsGreet").getMethod("main", String[].class);
                System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
                Future<?> run = runner.submit(() -> main.invoke(null, (Object) new String[] {"readme"}));
                // Closing the worker's and the client's transports waits for the long polls they gave up (up to
                // 20 s each, as the README says): a message on each queue ends them, until the program returns.
                while (!run.isDone()) {
                    for (String queue : new String[] {"outpost-requests", "outpost-replies-readme"}) {
                        sqs.getQueueUrl(r -> r.queueName(queue)).handle((url, e) -> url == null ? null
                                : sqs.sendMessage(r -> r.queueUrl(url.queueUrl()).messageBody("end the long poll")).join()).join();
                    }
                    try {
                        run.get(1, TimeUnit.SECONDS);
                    } catch (TimeoutException stillRunning) {
                        // nudge again
                    }
                }
                run.get();
            } finally {
                runner.shutdownNow();
                System.setOut(stdout);
                before.forEach((k, v) -> {
                    if (v == null) {
                        System.clearProperty(k);
                    } else {
                        System.setProperty(k, v);
                    }
                });
            }
            for (String queue : new String[] {"outpost-requests", "outpost-replies-readme"}) { // ends the last polls
                String url = sqs.getQueueUrl(r -> r.queueName(queue)).join().queueUrl();
                sqs.sendMessage(r -> r.queueUrl(url).messageBody("end the long poll")).join();
            }
        }
        assertThat(captured.toString(StandardCharsets.UTF_8).lines()).contains("hello, Ada");
    }

    @TestFactory
    Stream<DynamicTest> everyOtherJavaSnippetCompiles() {
        List<ReadmeCode.Block> snippets = ReadmeCode.read(Path.of("README.md")).snippets();
        assertThat(snippets).as("java snippets in README.md").hasSizeGreaterThanOrEqualTo(4);
        // the prelude has the README's imports: a snippet's code goes into the method as printed
        return snippets.stream().map(b -> DynamicTest.dynamicTest(b.where(), () -> compile(
                JavaSources.write(dir, b.className() + ".java", PRELUDE.formatted(b.className(), b.code())), dir)));
    }
}
