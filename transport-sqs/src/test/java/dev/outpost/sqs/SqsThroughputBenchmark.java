package dev.outpost.sqs;

import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.Worker;
import dev.outpost.core.WorkerListener;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.spi.Collector;
import dev.outpost.spi.CollectorContext;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * End-to-end throughput on ElasticMQ running in its own JVM: the Outpost worker (decode, schema
 * checks, a no-op collector, ack) against a hand-written raw SDK v2 async loop (concurrent long
 * polls of 10 + DeleteMessageBatch), same queue contents, same run. Also counts SQS API calls per
 * processed message with an SDK execution interceptor.
 *
 * <pre>./mvnw -q -pl transport-sqs test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.outpost.sqs.SqsThroughputBenchmark</pre>
 */
public final class SqsThroughputBenchmark {
    private SqsThroughputBenchmark() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process server = new ProcessBuilder(java, "-cp", classPath(), ElasticMqMain.class.getName())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            int port = Integer.parseInt(line.substring("listening ".length()).trim());
            AtomicInteger calls = new AtomicInteger();
            SqsAsyncClient sqs = client(port, calls);
            for (int round = 1; round <= 4; round++) {
                String q1 = "bench-outpost-" + round;
                String q2 = "bench-raw-" + round;
                fill(sqs, q1, n);
                fill(sqs, q2, n);
                calls.set(0);
                double outpost = outpost(sqs, q1, n);
                double outpostCalls = calls.get() / (double) n;
                calls.set(0);
                double raw = raw(sqs, q2, n);
                double rawCalls = calls.get() / (double) n;
                System.out.printf(Locale.ROOT, "round %d: outpost worker %,.0f msg/s (%.3f API calls/msg), raw SDK loop %,.0f msg/s"
                        + " (%.3f API calls/msg), ratio %.2fx%n", round, outpost, outpostCalls, raw, rawCalls, outpost / raw);
            }
            sqs.close();
        } finally {
            server.getOutputStream().close();
            if (!server.waitFor(10, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    /** The test class path, also under exec:java (whose JVM class path is Maven's own). */
    static String classPath() {
        StringBuilder cp = new StringBuilder();
        for (ClassLoader l = Thread.currentThread().getContextClassLoader(); l != null; l = l.getParent()) {
            if (l instanceof java.net.URLClassLoader u) {
                for (java.net.URL url : u.getURLs()) {
                    if (cp.length() > 0) {
                        cp.append(java.io.File.pathSeparator);
                    }
                    cp.append(Path.of(URI.create(url.toString())));
                }
            }
        }
        return cp.length() > 0 ? cp.toString() : System.getProperty("java.class.path");
    }

    static SqsAsyncClient client(int port, AtomicInteger calls) {
        return SqsAsyncClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + port)).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .overrideConfiguration(ClientOverrideConfiguration.builder().addExecutionInterceptor(new ExecutionInterceptor() {
                    @Override
                    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                        calls.incrementAndGet();
                    }
                }).build())
                .build();
    }

    static void fill(SqsAsyncClient sqs, String queue, int n) {
        String url = sqs.createQueue(r -> r.queueName(queue).attributes(Map.of(
                software.amazon.awssdk.services.sqs.model.QueueAttributeName.VISIBILITY_TIMEOUT, "60"))).join().queueUrl();
        JsonCodec codec = JsonCodec.create();
        List<CompletableFuture<?>> sends = new ArrayList<>();
        for (int i = 0; i < n; i += 10) {
            List<SendMessageBatchRequestEntry> batch = new ArrayList<>();
            for (int j = 0; j < 10 && i + j < n; j++) {
                byte[] body = codec.encodeRequest(Request.builder("noop").param("i", i + j).build());
                batch.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(j))
                        .messageBody(new String(body, StandardCharsets.UTF_8)).build());
            }
            sends.add(sqs.sendMessageBatch(r -> r.queueUrl(url).entries(batch)));
            if (sends.size() == 64) {
                CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();
                sends.clear();
            }
        }
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();
    }

    static double outpost(SqsAsyncClient sqs, String queue, int n) throws Exception {
        CountDownLatch done = new CountDownLatch(n);
        Collector noop = new Collector() {
            @Override
            public String name() {
                return "noop";
            }

            @Override
            public Object collect(Request request, CollectorContext context) {
                return null;
            }
        };
        long t0 = System.nanoTime();
        try (SqsTransport t = SqsTransport.builder().sqsClient(sqs).queue("requests", queue).build();
                Worker w = Worker.builder(t).collector(noop).concurrency(Integer.getInteger("bench.concurrency", 80)).pollers(Integer.getInteger("bench.pollers", 8)).pollWait(Duration.ofSeconds(1))
                        .listener(new WorkerListener() {
                            @Override
                            public void onCompleted(Request request, Response response, Duration elapsed) {
                                done.countDown();
                            }
                        }).build().start()) {
            if (!done.await(300, TimeUnit.SECONDS)) {
                throw new IllegalStateException("outpost worker did not finish");
            }
            return n / ((System.nanoTime() - t0) / 1e9);
        }
    }

    /** The best hand-written alternative: 8 concurrent long polls of 10, a batch delete per batch received. */
    static double raw(SqsAsyncClient sqs, String queue, int n) throws Exception {
        String url = sqs.getQueueUrl(r -> r.queueName(queue)).join().queueUrl();
        AtomicInteger processed = new AtomicInteger();
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch finished = new CountDownLatch(8);
        long t0 = System.nanoTime();
        for (int i = 0; i < 8; i++) {
            poll(sqs, url, processed, running, n, finished);
        }
        finished.await(300, TimeUnit.SECONDS);
        return n / ((System.nanoTime() - t0) / 1e9);
    }

    private static void poll(SqsAsyncClient sqs, String url, AtomicInteger processed, AtomicBoolean running, int n,
            CountDownLatch finished) {
        if (processed.get() >= n) {
            finished.countDown();
            return;
        }
        sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)).thenCompose(resp -> {
            if (resp.messages().isEmpty()) {
                return CompletableFuture.completedFuture(null);
            }
            List<DeleteMessageBatchRequestEntry> del = new ArrayList<>();
            for (int i = 0; i < resp.messages().size(); i++) {
                del.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(i))
                        .receiptHandle(resp.messages().get(i).receiptHandle()).build());
            }
            return sqs.deleteMessageBatch(r -> r.queueUrl(url).entries(del))
                    .thenAccept(d -> processed.addAndGet(d.successful().size()));
        }).whenComplete((v, e) -> poll(sqs, url, processed, running, n, finished));
    }
}
