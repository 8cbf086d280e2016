package dev.outpost.bench;

import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.Worker;
import dev.outpost.core.WorkerListener;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.sqs.SqsTransport;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * The SQS worker path end to end, on ElasticMQ in a JVM of its own (a child process): the Outpost
 * worker (decode, schema checks, a no-op collector, ack, and in the "replies" mode a reply per
 * request) against a hand-written raw SDK v2 async loop (8 concurrent long polls of 10, a
 * {@code SendMessageBatch} of replies and a {@code DeleteMessageBatch} per batch), on queues filled
 * alike, interleaved in the same rounds. Prints per round and mode: throughput and the ratio
 * (worker / raw), CPU of this JVM per message (ElasticMQ's excluded, and printed apart: with both
 * on the same cores, consumer CPU saved is throughput gained), context switches of this JVM's threads per
 * message (Linux; each costs several µs of CPU on a virtual machine), and SQS calls per message by
 * operation (counted with an SDK {@link ExecutionInterceptor}).
 *
 * <pre>./mvnw -B -q -o -pl bench -am package -DskipTests
 * java -cp bench/target/benchmarks.jar dev.outpost.bench.SqsWorkerVsRawLoop [messages=20000] [rounds=3]</pre>
 *
 * <p>A run's figures end when its last message is done (for the raw loop: deleted; for the worker:
 * completed): closing, and the long polls still open then, are printed apart when slow, not counted
 * per message. {@code -Dbench.inline=0} sets the worker's {@code outpost.worker.inline-below-micros}
 * (default here as in the worker, 200). {@code -Dbench.concurrency}, {@code -Dbench.pollers} and
 * {@code -Dbench.prefetch} set the worker's (default: the worker's own, 8 slots, 8 pollers, the
 * automatic prefetch).
 *
 * <p>{@code -Dbench.raw=false} runs the worker alone (for a profile: add
 * {@code -XX:StartFlightRecording=filename=sqs.jfr}), {@code -Dbench.worker=false} the raw loop alone; {@code -Dbench.modes=plain} or {@code replies} one mode.
 */
public final class SqsWorkerVsRawLoop {
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final Map<String, LongAdder> CALLS = new ConcurrentHashMap<>();
    /** {@code -Dbench.raw=false}: the worker alone (to profile it). */
    private static final boolean RAW = Boolean.parseBoolean(System.getProperty("bench.raw", "true"));
    /** {@code -Dbench.worker=false}: the raw loop alone (its profile, the baseline of the worker's). */
    private static final boolean WORKER = Boolean.parseBoolean(System.getProperty("bench.worker", "true"));
    /** {@code -Dbench.modes=plain,replies}: which modes run. */
    private static final String MODES = System.getProperty("bench.modes", "plain,replies");
    /** {@code -Dbench.verbose=true}: the worker's counters every second while it runs. */
    private static final boolean VERBOSE = Boolean.getBoolean("bench.verbose");

    private SqsWorkerVsRawLoop() {}

    /** One measured run. */
    private record Run(double perSecond, double cpuMicrosPerMessage, double sysShare, double serverMicrosPerMessage,
            Map<String, Double> callsPerMessage, double jitMicrosPerMessage, double switchesPerMessage) {
        double calls() {
            return callsPerMessage.values().stream().mapToDouble(Double::doubleValue).sum();
        }

        String describe() {
            StringBuilder b = new StringBuilder();
            callsPerMessage.forEach((op, n) -> b.append(b.length() == 0 ? "" : ", ").append(op).append(' ')
                    .append(String.format(Locale.ROOT, "%.3f", n)));
            return String.format(Locale.ROOT, "%,8.0f msg/s, %6.1f µs CPU/msg (%2.0f%% system, JIT %.1f), %.2f context switches/msg,"
                    + " ElasticMQ %5.1f µs/msg, %.3f calls/msg (%s)", perSecond, cpuMicrosPerMessage, 100 * sysShare, jitMicrosPerMessage,
                    switchesPerMessage, serverMicrosPerMessage, calls(), b);
        }
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        try (ElasticMqServer.Spawned server = ElasticMqServer.spawn()) {
            serverPid = server.process().pid();
            try (SqsAsyncClient sqs = client(server.port(), System.getProperty("bench.http", "netty"));
                    SqsAsyncClient workerSqs = client(server.port(), System.getProperty("bench.workerHttp", System.getProperty("bench.http", "netty")))) {
                String replies = sqs.createQueue(r -> r.queueName("bench-replies")).join().queueUrl();
                System.out.printf(Locale.ROOT, "%,d messages per run, ElasticMQ in its own JVM, %d CPUs%n", n,
                        Runtime.getRuntime().availableProcessors());
                for (int round = 0; round <= rounds; round++) { // round 0 warms up
                    for (boolean reply : new boolean[] {false, true}) {
                        String mode = reply ? "replies   " : "no replies";
                        String q1 = "bench-outpost-" + round + (reply ? "-r" : "");
                        String q2 = "bench-raw-" + round + (reply ? "-r" : "");
                        if (!MODES.contains(reply ? "replies" : "plain")) {
                            continue;
                        }
                        if (WORKER) {
                            fill(sqs, q1, n, reply ? replies : null);
                        }
                        if (RAW) {
                            fill(sqs, q2, n, reply ? replies : null);
                        }
                        Run worker = WORKER ? measure(n, () -> outpost(workerSqs, q1, n, replies)) : null;
                        Run raw = RAW ? measure(n, () -> raw(sqs, q2, n, reply ? replies : null)) : worker;
                        worker = worker == null ? raw : worker;
                        purge(sqs, replies);
                        if (round == 0) {
                            continue;
                        }
                        System.out.printf(Locale.ROOT, "round %d %s: ratio %.2fx, CPU ratio %.2f%n  worker %s%n  raw    %s%n", round,
                                mode, worker.perSecond / raw.perSecond, worker.cpuMicrosPerMessage / raw.cpuMicrosPerMessage,
                                worker.describe(), raw.describe());
                    }
                }
            }
        }
    }

    private interface Body {
        void run() throws Exception;
    }

    private static long serverPid = -1;

    /** When the last message of a run was done: time, process CPU, own and ElasticMQ's ticks (taken once per run). */
    private record Mark(long nanos, long cpu, long[] own, long[] server, long jit, long switches) {
        static Mark now() {
            return new Mark(System.nanoTime(), OS.getProcessCpuTime(), ticks("self"), ticks(Long.toString(serverPid)), jitNanos(),
                    ThreadCpu.contextSwitches());
        }
    }

    /** CPU of the JIT's compiler threads so far: a run that still compiles pays it per message too. */
    private static long jitNanos() {
        return ThreadCpu.snapshot().getOrDefault("jit", 0L);
    }

    private static final java.util.concurrent.atomic.AtomicReference<Mark> LAST_DONE = new java.util.concurrent.atomic.AtomicReference<>();

    /** The last message is done: the run's figures end here (closing, and polls left open, are not per-message work). */
    static void lastDone() {
        LAST_DONE.compareAndSet(null, Mark.now());
    }

    private static Run measure(int n, Body body) throws Exception {
        CALLS.clear();
        LAST_DONE.set(null);
        long[] own0 = ticks("self");
        long[] server0 = ticks(Long.toString(serverPid));
        long cpu0 = OS.getProcessCpuTime();
        long jit0 = jitNanos();
        long switches0 = ThreadCpu.contextSwitches();
        long t0 = System.nanoTime();
        body.run();
        Mark end = LAST_DONE.get() != null ? LAST_DONE.get() : Mark.now();
        long elapsed = end.nanos() - t0;
        double cpu = (end.cpu() - cpu0) / 1e3 / n;
        long[] own1 = end.own();
        long[] server1 = end.server();
        long ownTicks = own1[0] + own1[1] - own0[0] - own0[1];
        double sys = ownTicks <= 0 ? 0 : (own1[1] - own0[1]) / (double) ownTicks;
        double server = (server1[0] + server1[1] - server0[0] - server0[1]) * 1e6 / TICKS_PER_SECOND / n;
        Map<String, Double> calls = new TreeMap<>();
        CALLS.forEach((op, c) -> calls.put(op, c.sum() / (double) n));
        return new Run(n / (elapsed / 1e9), cpu, sys, server, calls, (end.jit() - jit0) / 1e3 / n,
                (end.switches() - switches0) / (double) n);
    }

    /** USER_HZ of /proc/PID/stat: 100 on Linux. */
    private static final double TICKS_PER_SECOND = 100;

    /** User and system CPU ticks of a process, from /proc (zeros where there is none). */
    static long[] ticks(String pid) {
        try {
            String stat = java.nio.file.Files.readString(Path.of("/proc", pid, "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
        } catch (java.io.IOException | RuntimeException e) {
            return new long[2];
        }
    }

    static SqsAsyncClient client(int port) {
        return client(port, "netty");
    }

    /** {@code http}: netty (the SDK's default async HTTP client) or crt (the AWS Common Runtime's). */
    static SqsAsyncClient client(int port, String http) {
        var b = SqsAsyncClient.builder();
        if (http.equals("crt")) {
            b.httpClientBuilder(software.amazon.awssdk.http.crt.AwsCrtAsyncHttpClient.builder());
        }
        return b.endpointOverride(URI.create("http://127.0.0.1:" + port)).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .overrideConfiguration(ClientOverrideConfiguration.builder().addExecutionInterceptor(new ExecutionInterceptor() {
                    @Override
                    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                        String op = context.request().getClass().getSimpleName().replace("Request", "");
                        CALLS.computeIfAbsent(op, k -> new LongAdder()).increment();
                    }
                }).build())
                .build();
    }

    private static void purge(SqsAsyncClient sqs, String url) {
        sqs.purgeQueue(r -> r.queueUrl(url)).join();
    }

    /** {@code n} requests; with {@code replyTo}, each asks for a reply there. */
    static void fill(SqsAsyncClient sqs, String queue, int n, String replyTo) {
        String url = sqs.createQueue(r -> r.queueName(queue).attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "60")))
                .join().queueUrl();
        JsonCodec codec = JsonCodec.create();
        List<CompletableFuture<?>> sends = new ArrayList<>();
        for (int i = 0; i < n; i += 10) {
            List<SendMessageBatchRequestEntry> batch = new ArrayList<>();
            for (int j = 0; j < 10 && i + j < n; j++) {
                Request.Builder rb = Request.builder("noop").target("host-" + (i % 64))
                        .params(Map.of("path", "/var/log", "depth", 2, "follow", false)).attribute("trace", "t-" + i);
                if (replyTo != null) {
                    rb.replyTo(replyTo);
                }
                byte[] body = codec.encodeRequest(rb.build());
                batch.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(j))
                        .messageBody(new String(body, StandardCharsets.UTF_8)).build());
            }
            sends.add(sqs.sendMessageBatch(r -> r.queueUrl(url).entries(batch)));
            if (sends.size() == 32) {
                CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();
                sends.clear();
            }
        }
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();
    }

    /** The worker's defaults, but for what {@code -Dbench.*} sets. */
    static dev.outpost.core.config.OutpostConfig workerConfig() {
        var config = dev.outpost.core.config.OutpostConfig.builder()
                .set("outpost.worker.inline-below-micros", System.getProperty("bench.inline", "200"));
        for (String key : List.of("concurrency", "pollers", "prefetch")) {
            String v = System.getProperty("bench." + key);
            if (v != null) {
                config.set("outpost.worker." + key, v);
            }
        }
        return config.build();
    }

    static void outpost(SqsAsyncClient sqs, String queue, int n, String replies) throws Exception {
        Thread mainThread = Thread.currentThread();
        CountDownLatch done = new CountDownLatch(n);
        long[] closing = new long[1];
        try (SqsTransport t = SqsTransport.builder().sqsClient(sqs).queue("requests", queue).build();
                Worker w = Worker.builder(t).allowReplyTo(replies).collector(Payloads.noop())
                        .configure(workerConfig())
                        .pollWait(Duration.ofSeconds(1))
                        .listener(new WorkerListener() {
                            @Override
                            public void onCompleted(Request request, Response response, Duration elapsed) {
                                done.countDown();
                                if (done.getCount() == 0) {
                                    lastDone();
                                }
                            }
                        }).build().start()) {
            long t0 = System.nanoTime();
            while (!done.await(1, TimeUnit.SECONDS)) {
                if (System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(300)) {
                    throw new IllegalStateException("outpost worker did not finish");
                }
                if (VERBOSE) {
                    System.err.printf(Locale.ROOT, "  worker: %d left after %d s: %s%n", done.getCount(),
                            TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0), w.status().counters());
                }
            }
            closing[0] = System.nanoTime();
            Thread watchdog = new Thread(() -> {
                try {
                    Thread.sleep(5_000);
                } catch (InterruptedException e) {
                    return;
                }
                StringBuilder dump = new StringBuilder("  worker: still closing after 5 s; " + w.status().counters() + "\n");
                Thread.getAllStackTraces().forEach((th, st) -> {
                    if (th.getName().startsWith("outpost") || th.getName().startsWith("sdk") || th == mainThread) {
                        dump.append("    ").append(th.getName()).append(' ').append(th.getState()).append('\n');
                        for (int i = 0; i < Math.min(14, st.length); i++) {
                            dump.append("      at ").append(st[i]).append('\n');
                        }
                    }
                });
                System.err.print(dump);
            }, "bench-close-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
            w.close();
            System.err.printf(Locale.ROOT, "%s", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closing[0]) > 1500
                    ? "  worker: worker.close() took " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closing[0]) + " ms\n" : "");
            t.close();
            watchdog.interrupt();
        }
        long closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closing[0]);
        if (closeMillis > 1000) {
            System.err.printf(Locale.ROOT, "  worker: closing took %,d ms%n", closeMillis);
        }
    }

    /** The best hand-written alternative: 8 concurrent long polls of 10; per batch a reply batch (if asked) and a delete batch. */
    static void raw(SqsAsyncClient sqs, String queue, int n, String replies) throws Exception {
        String url = sqs.getQueueUrl(r -> r.queueName(queue)).join().queueUrl();
        AtomicInteger processed = new AtomicInteger();
        CountDownLatch finished = new CountDownLatch(8);
        JsonCodec codec = JsonCodec.create();
        for (int i = 0; i < 8; i++) {
            poll(sqs, url, processed, n, finished, codec, replies);
        }
        if (!finished.await(300, TimeUnit.SECONDS)) {
            throw new IllegalStateException("raw loop did not finish");
        }
    }

    private static void poll(SqsAsyncClient sqs, String url, AtomicInteger processed, int n, CountDownLatch finished,
            JsonCodec codec, String replies) {
        if (processed.get() >= n) {
            finished.countDown();
            return;
        }
        sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)).thenCompose(resp -> {
            if (resp.messages().isEmpty()) {
                return CompletableFuture.completedFuture(null);
            }
            List<DeleteMessageBatchRequestEntry> del = new ArrayList<>();
            List<SendMessageBatchRequestEntry> out = new ArrayList<>();
            for (int i = 0; i < resp.messages().size(); i++) {
                var m = resp.messages().get(i);
                // what any consumer does: parse the request (the worker also checks it against its schemas)
                Request request = codec.decodeRequest(m.body().getBytes(StandardCharsets.UTF_8)).document();
                if (replies != null) {
                    out.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(i))
                            .messageBody("{\"requestId\":\"" + request.id() + "\",\"result\":{\"ok\":true}}").build());
                }
                del.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(i)).receiptHandle(m.receiptHandle()).build());
            }
            CompletableFuture<?> sent = out.isEmpty() ? CompletableFuture.completedFuture(null)
                    : sqs.sendMessageBatch(r -> r.queueUrl(replies).entries(out));
            return sent.thenCompose(v -> sqs.deleteMessageBatch(r -> r.queueUrl(url).entries(del)))
                    .thenAccept(d -> {
                        int k = d.successful().size();
                        int now = processed.addAndGet(k);
                        if (now >= n && now - k < n) {
                            lastDone();
                        }
                    });
        }).whenComplete((v, e) -> poll(sqs, url, processed, n, finished, codec, replies));
    }
}
