package dev.outpost.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ShutdownResult;
import dev.outpost.core.Client;
import dev.outpost.core.Worker;
import dev.outpost.spi.Collector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * The README suggests giving the transport an SQS client on the AWS Common Runtime's HTTP client (less CPU a
 * message than the SDK's default, Netty): a worker and a client on such clients answer, keep attributes, and close
 * cleanly with a long poll open.
 */
class CrtHttpClientTest {
    @Test
    void aWorkerAndAClientOnCrtClientsAnswerEveryCallAndCloseCleanly() throws Exception {
        try (ElasticMq mq = ElasticMq.start(); SqsAsyncClient workerSqs = mq.crtClient(); SqsAsyncClient clientSqs = mq.crtClient()) {
            SqsAsyncClient admin = mq.client();
            ElasticMq.createQueue(admin, "crt-work", 30, Map.of());
            ElasticMq.createQueue(admin, "crt-replies", 30, Map.of());
            Collector echo = Collector.of("echo", (request, context) -> Map.of("i", request.params().get("i"),
                    "trace", request.attributes().getOrDefault("trace", "")));
            Worker worker;
            try (SqsTransport workerSide = SqsTransport.builder().sqsClient(workerSqs).queue("requests", "crt-work").build();
                    SqsTransport clientSide = SqsTransport.builder().sqsClient(clientSqs).queue("requests", "crt-work").build();
                    Client client = Client.builder(clientSide).replyTo("crt-replies").pollWait(Duration.ofSeconds(1)).build().start()) {
                worker = Worker.builder(workerSide).allowReplyTo("crt-replies").collector(echo).pollWait(Duration.ofSeconds(1))
                        .build().start();
                List<CompletableFuture<Response>> calls = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    calls.add(client.call(Request.builder("echo").param("i", i).attribute("trace", "t-" + i).build(),
                            Duration.ofSeconds(60)));
                }
                for (int i = 0; i < calls.size(); i++) {
                    Response r = calls.get(i).get(90, TimeUnit.SECONDS);
                    assertThat(r.isOk()).as(r.toString()).isTrue();
                    assertThat(r.result().orElseThrow().get("i").asInt()).isEqualTo(i);
                    assertThat(r.result().orElseThrow().get("trace").asText()).isEqualTo("t-" + i);
                }
                // idle now: its pollers wait in long polls, which closing ends and hands back
                ShutdownResult stopped = worker.shutdown().get(60, TimeUnit.SECONDS);
                assertThat(stopped.clean()).as(stopped.toString()).isTrue();
                assertThat(stopped.threadsStillAlive()).isEmpty();
            }
            assertThat(admin.getQueueAttributes(r -> r.queueUrl(admin.getQueueUrl(q -> q.queueName("crt-work")).join().queueUrl())
                    .attributeNamesWithStrings("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")).join()
                    .attributesAsStrings()).as("every request taken once and deleted")
                    .containsEntry("ApproximateNumberOfMessages", "0").containsEntry("ApproximateNumberOfMessagesNotVisible", "0");
        }
    }
}
