package dev.outpost.sqs;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequest;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchResponse;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityRequest;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityResponse;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.DeleteMessageRequest;
import software.amazon.awssdk.services.sqs.model.DeleteMessageResponse;
import software.amazon.awssdk.services.sqs.model.GetQueueAttributesRequest;
import software.amazon.awssdk.services.sqs.model.GetQueueAttributesResponse;
import software.amazon.awssdk.services.sqs.model.GetQueueUrlRequest;
import software.amazon.awssdk.services.sqs.model.GetQueueUrlResponse;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageResponse;

/**
 * A real SQS client (ElasticMQ's) seen through a seam: the calls the transport makes go to the
 * server, and a test can answer a receive, a send or a queue URL look-up itself (when it wants), throw from a batch send or a
 * queue attributes call as a broken client would, and read the visibility changes the transport asked for.
 */
final class InterceptingSqsClient implements SqsAsyncClient {
    private final SqsAsyncClient real;
    /** Thrown (once) by the next {@code SendMessageBatch}. */
    final AtomicReference<Throwable> throwOnNextSendBatch = new AtomicReference<>();
    /** When set, answers the next receive instead of the server (once). */
    final AtomicReference<Function<ReceiveMessageRequest, CompletableFuture<ReceiveMessageResponse>>> nextReceive =
            new AtomicReference<>();
    /** When set, answers the next queue URL look-up instead of the server (once). */
    final AtomicReference<Function<GetQueueUrlRequest, CompletableFuture<GetQueueUrlResponse>>> nextQueueUrl =
            new AtomicReference<>();
    /** When set, answers the next {@code SendMessageBatch} instead of the server (once). */
    final AtomicReference<Function<SendMessageBatchRequest, CompletableFuture<SendMessageBatchResponse>>> nextSendBatch =
            new AtomicReference<>();
    /** When set, answers the next {@code SendMessage} (a dead-letter copy, a retried entry) instead of the server (once). */
    final AtomicReference<Function<SendMessageRequest, CompletableFuture<SendMessageResponse>>> nextSendMessage =
            new AtomicReference<>();
    /** Thrown (once) by the next {@code GetQueueAttributes}. */
    final AtomicReference<Throwable> throwOnNextQueueAttributes = new AtomicReference<>();
    final List<ChangeMessageVisibilityBatchRequest> visibilityBatches = new CopyOnWriteArrayList<>();

    /** Receives open now, the most open at once (a test may reset it), and those that ended. */
    final java.util.concurrent.atomic.AtomicInteger openReceives = new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicInteger mostOpenReceives = new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicInteger receives = new java.util.concurrent.atomic.AtomicInteger();

    InterceptingSqsClient(SqsAsyncClient real) {
        this.real = real;
    }

    /** Leaves the next receive unanswered for ever, as a server that never answers; the latch opens when it is made. */
    java.util.concurrent.CountDownLatch neverAnswerNextReceive() {
        java.util.concurrent.CountDownLatch polling = new java.util.concurrent.CountDownLatch(1);
        nextReceive.set(r -> {
            polling.countDown();
            return new CompletableFuture<>();
        });
        return polling;
    }

    @Override
    public String serviceName() {
        return real.serviceName();
    }

    @Override
    public void close() {
        // the real client belongs to the test class
    }

    @Override
    public CompletableFuture<GetQueueUrlResponse> getQueueUrl(GetQueueUrlRequest r) {
        var answer = nextQueueUrl.getAndSet(null);
        return answer != null ? answer.apply(r) : real.getQueueUrl(r);
    }

    @Override
    public CompletableFuture<GetQueueAttributesResponse> getQueueAttributes(GetQueueAttributesRequest r) {
        Throwable t = throwOnNextQueueAttributes.getAndSet(null);
        if (t instanceof Error e) {
            throw e;
        }
        if (t instanceof RuntimeException e) {
            throw e;
        }
        return real.getQueueAttributes(r);
    }

    @Override
    public CompletableFuture<ReceiveMessageResponse> receiveMessage(ReceiveMessageRequest r) {
        var answer = nextReceive.getAndSet(null);
        mostOpenReceives.accumulateAndGet(openReceives.incrementAndGet(), Math::max);
        CompletableFuture<ReceiveMessageResponse> f = answer != null ? answer.apply(r) : real.receiveMessage(r);
        return f.whenComplete((v, e) -> {
            openReceives.decrementAndGet();
            receives.incrementAndGet();
        });
    }

    @Override
    public CompletableFuture<SendMessageBatchResponse> sendMessageBatch(SendMessageBatchRequest r) {
        Throwable t = throwOnNextSendBatch.getAndSet(null);
        if (t instanceof Error e) {
            throw e;
        }
        if (t instanceof RuntimeException e) {
            throw e;
        }
        var answer = nextSendBatch.getAndSet(null);
        return answer != null ? answer.apply(r) : real.sendMessageBatch(r);
    }

    @Override
    public CompletableFuture<SendMessageResponse> sendMessage(SendMessageRequest r) {
        var answer = nextSendMessage.getAndSet(null);
        return answer != null ? answer.apply(r) : real.sendMessage(r);
    }

    @Override
    public CompletableFuture<DeleteMessageBatchResponse> deleteMessageBatch(DeleteMessageBatchRequest r) {
        return real.deleteMessageBatch(r);
    }

    @Override
    public CompletableFuture<DeleteMessageResponse> deleteMessage(DeleteMessageRequest r) {
        return real.deleteMessage(r);
    }

    @Override
    public CompletableFuture<ChangeMessageVisibilityBatchResponse> changeMessageVisibilityBatch(ChangeMessageVisibilityBatchRequest r) {
        visibilityBatches.add(r);
        return real.changeMessageVisibilityBatch(r);
    }

    @Override
    public CompletableFuture<ChangeMessageVisibilityResponse> changeMessageVisibility(ChangeMessageVisibilityRequest r) {
        return real.changeMessageVisibility(r);
    }
}
