package dev.outpost.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.GetQueueUrlResponse;

/** Interleavings of callers, SQS's answers and close, driven at the seam ({@link InterceptingSqsClient}) on ElasticMQ. */
class SqsRacesTest {
    static ElasticMq mq;
    static SqsAsyncClient admin;

    @BeforeAll
    static void start() {
        mq = ElasticMq.start();
        admin = mq.client();
    }

    @AfterAll
    static void stop() {
        admin.close();
        mq.close();
    }

    static long messagesOn(String url) {
        var a = admin.getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                software.amazon.awssdk.services.sqs.model.QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                software.amazon.awssdk.services.sqs.model.QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).join().attributes();
        return a.values().stream().mapToLong(Long::parseLong).sum();
    }

    /**
     * The first look-up of a queue's URL is shared by every caller that needs it meanwhile. A receive given up on
     * while it waits for the look-up (its poller interrupted by a worker's shutdown) must not cancel it under a send
     * to the same queue that waits for it too.
     */
    @Test
    void aReceiveGivenUpOnDuringTheQueueLookUpDoesNotFailASendWaitingForTheSameLookUp() throws Exception {
        String url = ElasticMq.createQueue(admin, "shared-lookup", 30, Map.of());
        InterceptingSqsClient client = new InterceptingSqsClient(admin);
        CompletableFuture<GetQueueUrlResponse> lookup = new CompletableFuture<>();
        client.nextQueueUrl.set(r -> lookup);
        try (SqsTransport t = SqsTransport.builder().sqsClient(client).queue("requests", "shared-lookup").build()) {
            CompletableFuture<Void> sent = t.send("requests", HardeningTest.text("sent while a poller gives up"));
            Thread.currentThread().interrupt(); // the poller's worker is shutting down
            try {
                assertThatThrownBy(() -> t.receive("requests", 1, Duration.ofSeconds(1))).isInstanceOf(InterruptedException.class);
            } finally {
                Thread.interrupted();
            }
            lookup.complete(GetQueueUrlResponse.builder().queueUrl(url).build());

            sent.get(10, TimeUnit.SECONDS); // before: CancellationException, the receive had cancelled the shared look-up
            await().atMost(Duration.ofSeconds(5)).until(() -> messagesOn(url) == 1);
        }
    }
}
