package dev.outpost.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.ShutdownResult;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.GetQueueUrlResponse;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageResponse;

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

    /**
     * A receive sets an unreadable message aside: its copy goes to the dead-letter queue, then it is deleted. A close
     * made meanwhile must wait for that move (its delete still to join a batch), not close the clients it owns under
     * it: the copy sent, the delete failed, the message would come back and be copied again.
     */
    @Test
    void closeWaitsForAnUnreadableMessageOnItsWayToTheDeadLetterQueue() throws Exception {
        String url = ElasticMq.createQueue(admin, "moving-src", 30, Map.of());
        String dead = ElasticMq.createQueue(admin, "moving-dead", 30, Map.of());
        admin.sendMessage(r -> r.queueUrl(url).messageBody("uryyb").messageAttributes(Map.of("outpost-body-encoding",
                MessageAttributeValue.builder().dataType("String").stringValue("rot13").build()))).join();
        InterceptingSqsClient client = new InterceptingSqsClient(admin);
        AtomicReference<SendMessageRequest> copy = new AtomicReference<>();
        CompletableFuture<SendMessageResponse> copied = new CompletableFuture<>();
        client.nextSendMessage.set(r -> {
            copy.set(r);
            return copied;
        });
        SqsTransport t = SqsTransport.builder().sqsClient(client).queue("requests", url).deadLetter(dead).build();
        assertThat(t.receive("requests", 10, Duration.ofSeconds(5))).isEmpty();
        assertThat(copy.get()).as("the copy is on its way").isNotNull();

        CompletableFuture<ShutdownResult> closed = t.shutdown();
        assertThat(closed).as("close waits for the move to the dead-letter queue").isNotDone();
        copied.complete(admin.sendMessage(copy.get()).join());

        assertThat(closed.get(30, TimeUnit.SECONDS).clean()).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> messagesOn(url) == 0 && messagesOn(dead) == 1);
    }

    /**
     * With no linger, batches go out on the caller's thread and the batching thread is never made. A shutdown then
     * took its way for a transport with nothing to wait for, and waited for the batch calls still open on its
     * caller's thread (up to 5 s), where it should hand the wait to a thread of its own and return.
     */
    @Test
    void shutdownLeavesTheWaitForABatchCallStillOpenToItsOwnThread() throws Exception {
        String url = ElasticMq.createQueue(admin, "no-linger", 30, Map.of());
        InterceptingSqsClient client = new InterceptingSqsClient(admin);
        CompletableFuture<SendMessageBatchResponse> answer = new CompletableFuture<>();
        client.nextSendBatch.set(r -> answer);
        SqsTransport t = SqsTransport.builder().sqsClient(client).queue("requests", url).linger(Duration.ZERO).build();
        CompletableFuture<Void> sent = t.send("requests", HardeningTest.text("on its way at shutdown"));
        assertThat(client.nextSendBatch).as("the batch call is open").hasValue(null);

        CompletableFuture<ShutdownResult> closed = t.shutdown();
        assertThat(closed).as("shutdown returned while the batch call is open").isNotDone();
        answer.complete(SendMessageBatchResponse.builder().build());

        closed.get(30, TimeUnit.SECONDS);
        sent.get(10, TimeUnit.SECONDS);
    }

    /**
     * A send that found the transport open, racing a shutdown: it is either refused (a TransportException) or waited
     * for. Before, the shutdown found nothing on its way and reported clean while the send was still to go out after.
     */
    @Test
    void aSendRacingShutdownIsRefusedOrWaitedForNeverSentAfterACleanShutdown() throws Exception {
        String url = ElasticMq.createQueue(admin, "send-vs-shutdown", 30, Map.of());
        InterceptingSqsClient client = new InterceptingSqsClient(admin);
        CountDownLatch inLookUp = new CountDownLatch(1);
        CountDownLatch goOn = new CountDownLatch(1);
        client.nextQueueUrl.set(r -> {
            inLookUp.countDown(); // the send is past its open check, on the sender's thread
            try {
                goOn.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return admin.getQueueUrl(r);
        });
        SqsTransport t = SqsTransport.builder().sqsClient(client).queue("requests", "send-vs-shutdown").build();
        AtomicReference<CompletableFuture<Void>> sent = new AtomicReference<>();
        Thread sender = new Thread(() -> sent.set(t.send("requests", HardeningTest.text("racing the shutdown"))));
        sender.start();
        assertThat(inLookUp.await(10, TimeUnit.SECONDS)).isTrue();
        AtomicReference<CompletableFuture<ShutdownResult>> closed = new AtomicReference<>();
        Thread closer = new Thread(() -> closed.set(t.shutdown()));
        closer.start();
        // the shutdown has returned, or waits for the send
        while (closed.get() == null && closer.getState() != Thread.State.WAITING && closer.getState() != Thread.State.BLOCKED) {
            Thread.onSpinWait();
        }
        boolean overBeforeTheSend = closed.get() != null && closed.get().isDone();
        goOn.countDown();
        sender.join(10_000);
        closer.join(10_000);

        ShutdownResult result = closed.get().get(30, TimeUnit.SECONDS);
        Throwable refused = null;
        try {
            sent.get().get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            refused = e.getCause();
        }
        if (refused == null) {
            assertThat(overBeforeTheSend).as("a clean shutdown was reported before the send went out").isFalse();
            assertThat(result.clean()).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> messagesOn(url) == 1);
        } else {
            assertThat(refused).isInstanceOf(dev.outpost.spi.TransportException.class);
            assertThat(messagesOn(url)).isZero();
        }
    }
}
