package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.CallTimeoutException;
import dev.outpost.core.Client;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.sqs.SqsTransport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * A judge's run of the real {@code outpost worker} daemon on ElasticMQ (127.0.0.1) under a client's
 * load: the daemon killed with SIGKILL and started again, the SQS server stopped and started again,
 * and {@code outpost call} / {@code outpost broadcast} processes whose server goes away.
 */
class WorkerDaemonChaosTest {
    /** In the daemon's configuration: must never reach its output. */
    private static final String SECRET = "chaos-secret-Wq8sK2";
    private static final int CONCURRENCY = 4;

    private SQSRestServer server;
    private int port;
    private final List<Process> started = new ArrayList<>();

    @TempDir
    Path dir;

    @BeforeEach
    void startElasticMq() {
        server = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(0).start();
        port = server.waitUntilStarted().localAddress().getPort();
        createQueues();
    }

    /** ElasticMQ keeps queues in memory: a restarted server is given them again. */
    private void createQueues() {
        try (SqsAsyncClient sqs = admin()) {
            for (String q : List.of("requests", "dead-letter", "chaos-replies", "fleet")) {
                sqs.createQueue(r -> r.queueName(q).attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "3"))).join();
            }
        }
    }

    private void restartElasticMq() {
        server = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(port).start();
        server.waitUntilStarted();
        createQueues();
    }

    @AfterEach
    void stopEverything() {
        started.forEach(Process::destroyForcibly);
        server.stopAndWait();
    }

    private SqsAsyncClient admin() {
        return SqsAsyncClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + port)).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build();
    }

    private int depth(String queue) {
        try (SqsAsyncClient sqs = admin()) {
            String url = sqs.getQueueUrl(r -> r.queueName(queue)).join().queueUrl();
            Map<QueueAttributeName, String> a = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                    .join().attributes();
            return Integer.parseInt(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                    + Integer.parseInt(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
        }
    }

    private Path workerConfig() throws Exception {
        Path f = dir.resolve("worker.yaml");
        Files.writeString(f, """
                outpost:
                  worker:
                    id: chaos-worker
                    concurrency: %d
                    poll-wait: 1s
                    visibility: 3s
                    drain-timeout: 5s
                    reply-to:
                      allow: chaos-replies
                  collectors:
                    allow: outpost.*,test.slow
                  metrics:
                    prometheus:
                      port: 0
                  sqs:
                    region: us-east-1
                    endpoint: http://127.0.0.1:%d
                    access-key-id: AKIACHAOSTEST
                    secret-access-key: %s
                """.formatted(CONCURRENCY, port, SECRET));
        return f;
    }

    private Path clientConfig() throws Exception {
        Path f = dir.resolve("client.yaml");
        Files.writeString(f, """
                outpost:
                  client:
                    reply-to: chaos-replies
                    poll-wait: 1s
                  sqs:
                    region: us-east-1
                    endpoint: http://127.0.0.1:%d
                    access-key-id: AKIACHAOSTEST
                    secret-access-key: %s
                """.formatted(port, SECRET));
        return f;
    }

    private Process outpost(String name, String... args) throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", cp, "dev.outpost.cli.Outpost"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(dir.resolve(name + ".out").toFile())
                .redirectError(dir.resolve(name + ".err").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("OUTPOST_"));
        Process p = pb.start();
        started.add(p);
        return p;
    }

    private String out(String name) throws Exception {
        return Files.readString(dir.resolve(name + ".out"));
    }

    private String err(String name) throws Exception {
        return Files.readString(dir.resolve(name + ".err"));
    }

    private Process worker(String name, String id, String... overrides) throws Exception {
        List<String> args = new ArrayList<>(List.of("worker", "--config", workerConfig().toString(), "-D", "outpost.worker.id=" + id));
        for (String o : overrides) {
            args.add("-D");
            args.add(o);
        }
        Process p = outpost(name, args.toArray(String[]::new));
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> out(name).contains("outpost worker " + id + " running"));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(name + ": " + out(name) + err(name), e);
        }
        return p;
    }

    /** A client in this JVM: every answer counted per request id, duplicates included. */
    private final class Load implements AutoCloseable {
        final Map<String, AtomicInteger> answers = new ConcurrentHashMap<>();
        final Map<String, Response> first = new ConcurrentHashMap<>();
        final SqsTransport transport;
        final Client client;

        Load() throws Exception {
            OutpostConfig config = OutpostConfig.builder().localFile(clientConfig()).build();
            transport = SqsTransport.builder().configure(config).build();
            client = Client.builder(transport).configure(config).onResponse(this::count).build().start();
        }

        private void count(Response r) {
            answers.computeIfAbsent(r.requestId(), k -> new AtomicInteger()).incrementAndGet();
            first.putIfAbsent(r.requestId(), r);
        }

        CompletableFuture<Response> call(Request request, Duration timeout) {
            CompletableFuture<Response> f = client.call(request, timeout);
            f.thenAccept(this::count); // the first answer completes the call; a duplicate reaches onResponse
            return f;
        }

        int duplicates() {
            return answers.values().stream().mapToInt(a -> a.get() - 1).sum();
        }

        @Override
        public void close() {
            client.close();
            transport.close();
        }
    }

    private static Request slow(int ms) {
        return Request.builder("test.slow").param("ms", ms).build();
    }

    @Test
    void aDaemonKilledWithSigkillLosesNothingAndItsSuccessorTakesOverWhatItHeld() throws Exception {
        killedWithSigkill(0);
    }

    @Test
    void aDaemonKilledWhileItHoldsPrefetchedMessagesLosesNoneOfThem() throws Exception {
        killedWithSigkill(3); // 4 running, 3 waiting for a runner: all invisible, and all come back
    }

    private void killedWithSigkill(int prefetch) throws Exception {
        int holding = CONCURRENCY + prefetch;
        Process victim = prefetch == 0 ? worker("victim", "victim")
                : worker("victim", "victim", "outpost.worker.prefetch=" + prefetch, "outpost.worker.pollers=2");
        Path hold = Files.createFile(dir.resolve("hold"));
        try (Load load = new Load()) {
            List<CompletableFuture<Response>> held = new ArrayList<>();
            for (int i = 0; i < holding; i++) { // run (or wait to) first, and held by the victim until it dies
                held.add(load.call(Request.builder("test.slow").param("ms", 0).param("holdWhile", hold.toString()).build(),
                        Duration.ofSeconds(120)));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> depth("requests") == holding
                    && metric("victim", "outpost_worker_in_flight") == holding);
            // the automatic prefetch (the default) stays closed: no run has ended, so none is known to be short
            assertThat(out("victim")).contains(CONCURRENCY + " slots" + (prefetch == 0 ? " (+ automatic prefetch)"
                    : " (+" + prefetch + " prefetched)") + " on");
            victim.destroyForcibly(); // SIGKILL: no hook, no drain, no hand-back
            assertThat(victim.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(victim.exitValue()).isEqualTo(137);
            Files.delete(hold); // the successor's runs of the same requests end at once

            List<CompletableFuture<Response>> more = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                more.add(load.call(slow(50), Duration.ofSeconds(120)));
            }
            worker("successor", "successor");
            // from its health line: the successor's JVM start, up to the 60 s worker() allows on a loaded machine, is no
            // part of how soon what the dead daemon held comes back
            long restarted = System.nanoTime();
            CompletableFuture.allOf(more.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            CompletableFuture.allOf(held.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            for (CompletableFuture<Response> f : held) {
                Response r = f.join();
                assertThat(r.isOk()).as(r.toString()).isTrue();
                assertThat(r.worker()).as("what the dead daemon held comes back after its visibility timeout").isEqualTo("successor");
                assertThat(r.attempt()).isEqualTo(2);
            }
            assertThat(more).allSatisfy(f -> assertThat(f.join().isOk()).isTrue());
            assertThat(Duration.ofNanos(System.nanoTime() - restarted)).isLessThan(Duration.ofSeconds(30));
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> load.duplicates() <= holding);
            assertThat(load.answers).hasSize(holding + 20);
        }
        assertThat(err("victim") + out("victim") + err("successor") + out("successor")).doesNotContain(SECRET);
    }

    private String metricsUrl(String name) throws Exception {
        Matcher m = Pattern.compile("metrics on (http://[^ ;]+/metrics)").matcher(out(name));
        assertThat(m.find()).as(out(name)).isTrue();
        return m.group(1);
    }

    /** The sum of a Prometheus metric's samples whose line starts with {@code prefix} (name and, optionally, labels). */
    private double metric(String name, String prefix) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(metricsUrl(name)))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return r.body().lines().filter(l -> l.startsWith(prefix))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private double failedReceives(String name) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(metricsUrl(name)))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return r.body().lines().filter(l -> l.startsWith("outpost_transport_operations_seconds_count")
                        && l.contains("operation=\"receive\"") && !l.contains("outcome=\"ok\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void theSqsServerRestartedUnderLoadIsReportedOnceAndTheDaemonResumesOnItsOwn() throws Exception {
        worker("daemon", "daemon");
        try (Load load = new Load()) {
            List<CompletableFuture<Response>> before = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                before.add(load.call(slow(200), Duration.ofSeconds(8)));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> load.answers.size() >= CONCURRENCY);
            server.stopAndWait(); // with work in flight and more waiting: ElasticMQ forgets it all
            await().atMost(Duration.ofSeconds(20)).until(() -> metric("daemon", "outpost_worker_healthy") == 0);
            await().atMost(Duration.ofSeconds(30)).until(() -> failedReceives("daemon") >= 4);
            restartElasticMq();
            await().atMost(Duration.ofSeconds(30)).until(() -> metric("daemon", "outpost_worker_healthy") == 1);

            List<CompletableFuture<Response>> after = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                after.add(load.call(slow(10), Duration.ofSeconds(30)));
            }
            CompletableFuture.allOf(after.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            assertThat(after).allSatisfy(f -> assertThat(f.join().isOk()).isTrue());
            // what the server forgot cannot be answered: the caller is told so by a typed timeout it can retry
            for (CompletableFuture<Response> f : before) {
                try {
                    f.get(30, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(CallTimeoutException.class);
                }
            }
            assertThat(load.duplicates()).isLessThanOrEqualTo(CONCURRENCY);
        }
        String log = err("daemon");
        assertThat(log.lines().filter(l -> l.contains("cannot receive from")).count())
                .as("one report per outage, not one per failed poll:\n" + log).isEqualTo(1);
        assertThat(log.lines().filter(l -> l.contains("daemon: 'requests' reachable again after")).count())
                .as("the end of the outage is in the same log as its start:\n" + log).isEqualTo(1);
        // no flood: besides the outage's two lines, each line is about one message held (its answer's publish, its
        // delete), at most two about any, however many it held (the automatic prefetch holds more than run)
        Pattern perMessage = Pattern.compile("(publishing the response to|finishing delivery) (\\S+) ");
        List<String> others = log.lines().filter(l -> !l.contains("cannot receive from") && !l.contains("reachable again after"))
                .toList();
        List<String> about = others.stream().map(perMessage::matcher).filter(Matcher::find).map(x -> x.group(2)).toList();
        assertThat(about).as("no flood:\n" + log).hasSameSizeAs(others);
        assertThat(about.stream().collect(java.util.stream.Collectors.groupingBy(x -> x, java.util.stream.Collectors.counting())))
                .as("no flood:\n" + log).allSatisfy((id, n) -> assertThat(n).isLessThanOrEqualTo(2));
        assertThat(log + out("daemon")).doesNotContain(SECRET);
    }

    private int finish(Process p, Duration within) throws Exception {
        assertThat(p.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)).as("command ended within " + within).isTrue();
        return p.exitValue();
    }

    @Test
    void aCallToAServerThatIsDownFailsAtOnceAsUnreachable() throws Exception {
        server.stopAndWait();
        Process call = outpost("call", "call", "test.slow", "--config", clientConfig().toString(), "--timeout", "120s");
        // fails fast, long before its timeout: the bound leaves room for the command's JVM start on a loaded machine
        int code = finish(call, Duration.ofSeconds(60));
        assertThat(code).as(err("call")).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(err("call")).containsPattern("(?m)^outpost: .*'requests'.*Connection refused")
                .contains("\nhint: check outpost.sqs.region / outpost.sqs.endpoint").doesNotContain("\tat ").doesNotContain(SECRET);
        // one line and a hint: not the transport's warnings on the way there too
        assertThat(err("call").lines()).as(err("call")).hasSize(2);
    }

    @Test
    void aCallWhoseServerGoesAwayAfterTheSendEndsAtItsDeadlineBlamingTheTransportNotAWorker() throws Exception {
        // the timeout leaves room, after the stop, for the reply poller's open poll to end and its next one to fail
        // (the SDK's own retries included) on a slow machine: with 4 s the call sometimes ended before the poller knew
        Process call = outpost("call", "call", "test.slow", "--config", clientConfig().toString(), "--timeout", "10s");
        await().atMost(Duration.ofSeconds(30)).until(() -> depth("requests") == 1); // sent; no worker reads it
        server.stopAndWait();
        int code = finish(call, Duration.ofSeconds(10 + 30)); // its timeout, and a close that waits for no server
        assertThat(code).as(err("call")).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(err("call")).containsPattern("(?m)^outpost: no response to request .* within PT10S: the client cannot receive"
                        + " from its reply destination")
                .contains("\nhint: check outpost.sqs.region / outpost.sqs.endpoint")
                .doesNotContain("is a worker reading").doesNotContain("\tat ").doesNotContain(SECRET);
    }

    @Test
    void aBroadcastToAServerThatIsDownFailsAsUnreachable() throws Exception {
        server.stopAndWait();
        Process b = outpost("broadcast", "broadcast", "test.slow", "--config", clientConfig().toString(), "--deadline", "20s");
        int code = finish(b, Duration.ofSeconds(20 + 40)); // at most its deadline, and its JVM start on a loaded machine
        assertThat(code).as(err("broadcast")).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(err("broadcast")).containsPattern("(?m)^outpost: .*'fleet'.*failed")
                .contains("\nhint: check outpost.sqs.region / outpost.sqs.endpoint").doesNotContain("\tat ").doesNotContain(SECRET);
        // the fleet's reply poller may say it cannot receive; the queue checks and the SDK repeat the error
        assertThat(err("broadcast")).doesNotContain("QueueChecks").doesNotContain("software.amazon");
    }

    @Test
    void aBroadcastWhoseServerGoesAwayAfterThePublishEndsAtItsDeadlineBlamingTheTransport() throws Exception {
        // the deadline leaves room, after the stop, for the reply poller to learn that its server is gone (as the call's)
        Process b = outpost("broadcast", "broadcast", "test.slow", "--config", clientConfig().toString(), "--deadline", "10s");
        await().atMost(Duration.ofSeconds(30)).until(() -> depth("fleet") == 1);
        server.stopAndWait();
        int code = finish(b, Duration.ofSeconds(10 + 30)); // its deadline, and a close that waits for no server
        // as a call's: the transport is blamed, not the fleet (exit 2 said no worker answered, while none could be heard)
        assertThat(code).as(err("broadcast")).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(err("broadcast")).containsPattern("(?m)^outpost: no answer within PT10S: the client cannot receive from"
                        + " its reply destination 'chaos-replies'")
                .contains("\nhint: check outpost.sqs.region / outpost.sqs.endpoint");
        assertThat(out("broadcast") + err("broadcast")).doesNotContain("\tat ").doesNotContain(SECRET);
    }

    @Test
    void aCallExitsSoonAfterItsAnswerWhateverTheClientsPollWait() throws Exception {
        worker("daemon", "daemon");
        // a long poll suits a long-lived client; a command would wait it out when it closes
        Path cfg = Files.writeString(dir.resolve("long-wait.yaml"), Files.readString(clientConfig())
                .replace("    poll-wait: 1s\n", "    poll-wait: 30s\n"));
        // the ping's own deadline as long as the wait for its answer: its default 10 s (then counted from before the
        // client's SQS setup, now from the call) ran out on a loaded machine and the late answer was an exit code of 1
        Process ping = outpost("ping", "ping", "--config", cfg.toString(), "-f", "json", "--timeout", "60s");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> !out("ping").isEmpty());
        long answered = System.nanoTime(); // printed before the client closes
        int code = finish(ping, Duration.ofSeconds(60));
        Duration closing = Duration.ofNanos(System.nanoTime() - answered);
        assertThat(code).as(err("ping") + out("ping")).isZero();
        // well under the 30 s poll it must not wait out; a loaded CI machine once took 13 s for the rest of the
        // command (the ping's own deadline, the close), so the bound is not a speed test
        assertThat(closing).as("from the answer to the exit: not the 30 s poll").isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void aSigtermDuringAnOutageStopsTheDaemonWithinItsDrainTimeout() throws Exception {
        Process daemon = worker("daemon", "daemon");
        server.stopAndWait();
        await().atMost(Duration.ofSeconds(20)).until(() -> metric("daemon", "outpost_worker_healthy") == 0);
        daemon.destroy(); // SIGTERM: nothing to drain, nothing to hand back to a server that is gone
        int code = finish(daemon, Duration.ofSeconds(5 + 10)); // its drain timeout, and a close that waits for no server
        assertThat(code).isEqualTo(128 + 15);
        assertThat(err("daemon")).contains("outpost: stopping\n").contains("outpost: stopped").doesNotContain("\tat ")
                .doesNotContain(SECRET);
    }
}
