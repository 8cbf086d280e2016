package dev.outpost.sqs;

import static dev.outpost.sqs.HardeningTest.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.Client;
import dev.outpost.core.Worker;
import dev.outpost.spi.Collector;
import dev.outpost.spi.TransportException;
import dev.outpost.sqs.internal.ClientSettings;
import dev.outpost.testkit.Fauxqs;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sns.SnsAsyncClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * A transport built from {@code outpost.sqs.*} keys alone (endpoint, region, static credentials, {@code topics}) on
 * fauxqs (a real SNS/SQS server on 127.0.0.1): a send to the logical topic name is published to SNS, and the workers
 * reading the queues subscribed to it answer.
 */
class TopicsFromConfigurationTest {
    static Fauxqs fauxqs;
    static SqsAsyncClient sqs;
    static SnsAsyncClient sns;

    @BeforeAll
    static void start() throws Exception {
        fauxqs = Fauxqs.start();
        sqs = FauxqsClients.sqs(fauxqs);
        sns = FauxqsClients.sns(fauxqs);
    }

    @AfterAll
    static void stop() {
        if (fauxqs != null) {
            sqs.close();
            sns.close();
            fauxqs.close();
        }
    }

    /** The keys of a transport on fauxqs, and {@code more}. */
    private static Map<String, String> keys(String... more) {
        Map<String, String> c = new HashMap<>(Map.of("outpost.sqs.endpoint", fauxqs.endpoint().toString(),
                "outpost.sqs.region", fauxqs.region(), "outpost.sqs.access-key-id", fauxqs.accessKeyId(),
                "outpost.sqs.secret-access-key", fauxqs.secretAccessKey()));
        for (int i = 0; i < more.length; i += 2) {
            c.put(more[i], more[i + 1]);
        }
        return c;
    }

    private static Collector where(String queue) {
        return Collector.of("where", (request, context) -> Map.of("queue", queue));
    }

    @Test
    void aBroadcastToTheConfiguredTopicIsAnsweredByEveryWorkerOnASubscribedQueue() throws Exception {
        SqsProvisioner p = new SqsProvisioner(sqs, sns);
        String arn = p.topicToQueue("cfg-fleet", "cfg-fleet-a"); // raw delivery
        p.topicToQueue("cfg-fleet", "cfg-fleet-b");
        p.queue("cfg-replies", Map.of());
        try (SqsTransport a = SqsTransport.builder().configure(config(keys("outpost.sqs.requests", "cfg-fleet-a"))).build();
                SqsTransport b = SqsTransport.builder().configure(config(keys("outpost.sqs.requests", "cfg-fleet-b"))).build();
                SqsTransport caller = SqsTransport.builder().configure(config(keys("outpost.sqs.topics", "fleet=" + arn))).build();
                Worker wa = Worker.builder(a).id("worker-a").collector(where("a"))
                        .allowReplyTo("cfg-replies").pollWait(Duration.ofSeconds(1)).build().start();
                Worker wb = Worker.builder(b).id("worker-b").collector(where("b"))
                        .allowReplyTo("cfg-replies").pollWait(Duration.ofSeconds(1)).build().start();
                Client client = Client.builder(caller).replyTo("cfg-replies").pollWait(Duration.ofSeconds(1)).build().start()) {
            List<Response> answers = client.broadcast("fleet", Request.builder("where").build(), 2, Duration.ofSeconds(30))
                    .get(60, TimeUnit.SECONDS);
            assertThat(answers).extracting(Response::worker).containsExactlyInAnyOrder("worker-a", "worker-b");
            assertThat(answers).allSatisfy(r -> assertThat(r.isOk()).as(r.toString()).isTrue());
            assertThat(answers).extracting(r -> r.result().orElseThrow().path("queue").asText()).containsExactlyInAnyOrder("a", "b");
        }
        // without the mapping the send went to an SQS queue named "fleet" (none): nothing reached the subscribed queues
    }

    @Test
    void theSnsClientItCreatesRunsOnItsOwnEventLoopEndedWhenItCloses() throws Exception {
        SqsProvisioner p = new SqsProvisioner(sqs, sns);
        String arn = p.topicToQueue("cfg-closing", "cfg-closing-a");
        List<Thread> io;
        try (SqsTransport t = SqsTransport.builder().configure(config(keys("outpost.sqs.topics", "everyone=" + arn))).build()) {
            t.send("everyone", HardeningTest.text("published")).join();
            io = Thread.getAllStackTraces().keySet().stream()
                    .filter(th -> th.getName().startsWith(ClientSettings.SNS_IO_THREADS)).toList();
            assertThat(io).as("the SNS client's I/O threads are the transport's").isNotEmpty();
            var got = t.receive("cfg-closing-a", 1, Duration.ofSeconds(5));
            assertThat(got).hasSize(1);
            got.get(0).ack().join();
        }
        for (Thread th : io) {
            th.join(10_000); // a bound against a hang only: they have ended when close() returns
        }
        assertThat(io).noneMatch(Thread::isAlive);
    }

    /** AWS's VPC endpoints differ by service: {@code sns-endpoint} moves the SNS client alone (an emulator needs neither). */
    @Test
    void snsEndpointMovesThePublishesAndLeavesTheQueuesOnTheSqsEndpoint() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        String arn = new SqsProvisioner(sqs, sns).topicToQueue("cfg-elsewhere", "cfg-elsewhere-a");
        try (SqsTransport t = SqsTransport.builder().configure(config(keys("outpost.sqs.topics", "elsewhere=" + arn,
                "outpost.sqs.sns-endpoint", "http://127.0.0.1:" + closed))).build()) {
            t.send("cfg-elsewhere-a", HardeningTest.text("queued")).join();
            assertThatThrownBy(() -> t.send("elsewhere", HardeningTest.text("published")).join())
                    .hasCauseInstanceOf(TransportException.class).hasMessageContaining("SNS topic '" + arn + "'");
            var got = t.receive("cfg-elsewhere-a", 10, Duration.ofSeconds(2));
            assertThat(got).hasSize(1); // the queued one only
            got.get(0).ack().join();
        }
    }
}
