package dev.outpost.bench;

import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.Client;
import dev.outpost.core.Worker;
import dev.outpost.spi.ForwardingTransport;
import dev.outpost.spi.Transport;
import dev.outpost.sqs.SqsTransport;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest;

/**
 * A client's answers per second on SQS (ElasticMQ in its own JVM) when a receive takes a network
 * round trip: every {@code ReceiveMessage} of the client's reply destination starts {@code rttMs}
 * late (the calling thread waits, as a poller waits for an answer from AWS), while the worker's
 * calls go straight to the server. Each round issues {@code calls} calls at once and times them
 * until the last answer; the client reads its replies with one poller (the transport seen as
 * in-process, as every client did before) and with its network default, alternately.
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.outpost.bench.ClientRepliesOnSqs [calls=5000] [rounds=3] [rttMs=15]</pre>
 */
public final class ClientRepliesOnSqs {
    private ClientRepliesOnSqs() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        long rttMs = args.length > 2 ? Long.parseLong(args[2]) : 15;
        try (ElasticMqServer.Spawned server = ElasticMqServer.spawn()) {
            int port = server.port();
            System.out.printf(Locale.ROOT, "%,d calls a round, a reply receive %d ms late, ElasticMQ in its own JVM, %d CPUs%n", n,
                    rttMs, Runtime.getRuntime().availableProcessors());
            try (SqsAsyncClient plain = client(port, 0); SqsAsyncClient late = client(port, rttMs)) {
                plain.createQueue(r -> r.queueName("cr-requests")).join();
                try (SqsTransport workerSide = SqsTransport.builder().sqsClient(plain).queue("requests", "cr-requests").build();
                        Worker worker = Worker.builder(workerSide).allowReplyTo("cr-replies-*").collector(Payloads.noop())
                                .pollWait(Duration.ofSeconds(1)).build().start()) {
                    for (int round = 0; round <= rounds; round++) { // round 0 warms up
                        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "round %d:", round));
                        for (boolean onePoller : new boolean[] {true, false}) {
                            String replies = "cr-replies-" + round + (onePoller ? "-one" : "-four");
                            plain.createQueue(r -> r.queueName(replies)).join();
                            double[] r = round(late, replies, n, onePoller);
                            line.append(String.format(Locale.ROOT, "  %s %,.0f calls/s (%.1f µs CPU a call)",
                                    onePoller ? "1 reply poller" : "default (4)", r[0], r[1]));
                        }
                        if (round > 0) {
                            System.out.println(line);
                        }
                    }
                }
            }
        }
    }

    /** {calls per second, this JVM's CPU µs per call (the worker's included)}. */
    private static double[] round(SqsAsyncClient late, String replies, int n, boolean onePoller) throws Exception {
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (SqsTransport sqs = SqsTransport.builder().sqsClient(late).queue("requests", "cr-requests").build()) {
            Transport transport = onePoller ? new ForwardingTransport(sqs) {
                @Override
                public boolean receivesLocally() {
                    return true; // one reply poller, as before
                }

                @Override
                public void close() {} // closed above
            } : sqs;
            try (Client client = Client.builder(transport).replyTo(replies).pollWait(Duration.ofSeconds(1)).build().start()) {
                List<CompletableFuture<Response>> calls = new ArrayList<>(n);
                long cpu0 = os.getProcessCpuTime();
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    calls.add(client.call(Payloads.request(i, replies), Duration.ofMinutes(5)));
                }
                CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
                long wall = System.nanoTime() - t0;
                long cpu = os.getProcessCpuTime() - cpu0;
                for (CompletableFuture<Response> c : calls) {
                    if (!c.join().isOk()) {
                        throw new IllegalStateException("not answered ok: " + c.join());
                    }
                }
                return new double[] {n * 1e9 / wall, cpu / 1e3 / n};
            }
        }
    }

    private static SqsAsyncClient client(int port, long receiveLateMs) {
        return SqsAsyncClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + port)).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .overrideConfiguration(ClientOverrideConfiguration.builder().addExecutionInterceptor(new ExecutionInterceptor() {
                    @Override
                    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                        if (receiveLateMs > 0 && context.request() instanceof ReceiveMessageRequest) {
                            try {
                                Thread.sleep(receiveLateMs); // on the calling thread: the poller waits, as for a round trip
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    }
                }).build())
                .build();
    }
}
