package dev.outpost.sqs.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.services.sns.SnsAsyncClient;
import software.amazon.awssdk.services.sns.model.PublishBatchRequestEntry;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/** The four batch calls the transport makes, as {@link BatchOperation}s (entry ids are indexes). */
public final class BatchOperations {
    private static final String[] IDS = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};

    private BatchOperations() {}

    static String id(int i) {
        return i < IDS.length ? IDS[i] : Integer.toString(i);
    }

    private static List<Integer> failedSqs(List<BatchResultErrorEntry> failed) {
        if (failed.isEmpty()) {
            return List.of();
        }
        List<Integer> out = new ArrayList<>(failed.size());
        failed.forEach(f -> out.add(index(f.id())));
        return out;
    }

    private static int index(String id) {
        try {
            return Integer.parseInt(id);
        } catch (NumberFormatException e) {
            return -1; // not ours: the entry completes as sent
        }
    }

    /** {@code SendMessageBatch}, retried with {@code SendMessage}. */
    public static BatchOperation<SendMessageBatchRequestEntry> send(SqsAsyncClient sqs) {
        return new BatchOperation<>() {
            @Override
            public String what() {
                return "sending";
            }

            @Override
            public CompletableFuture<List<Integer>> batch(String url, List<SendMessageBatchRequestEntry> entries) {
                List<SendMessageBatchRequestEntry> ided = new ArrayList<>(entries.size());
                for (int i = 0; i < entries.size(); i++) {
                    ided.add(entries.get(i).toBuilder().id(id(i)).build());
                }
                return sqs.sendMessageBatch(r -> r.queueUrl(url).entries(ided)).thenApply(r -> failedSqs(r.failed()));
            }

            @Override
            public CompletableFuture<?> single(String url, SendMessageBatchRequestEntry en) {
                return sqs.sendMessage(r -> r.queueUrl(url).messageBody(en.messageBody()).messageAttributes(en.messageAttributes())
                        .messageGroupId(en.messageGroupId()).messageDeduplicationId(en.messageDeduplicationId()));
            }
        };
    }

    /** {@code DeleteMessageBatch} of receipt handles, retried with {@code DeleteMessage}. */
    public static BatchOperation<String> delete(SqsAsyncClient sqs) {
        return new BatchOperation<>() {
            @Override
            public String what() {
                return "acknowledging";
            }

            @Override
            public CompletableFuture<List<Integer>> batch(String url, List<String> receipts) {
                List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>(receipts.size());
                for (int i = 0; i < receipts.size(); i++) {
                    entries.add(DeleteMessageBatchRequestEntry.builder().id(id(i)).receiptHandle(receipts.get(i)).build());
                }
                return sqs.deleteMessageBatch(r -> r.queueUrl(url).entries(entries)).thenApply(r -> failedSqs(r.failed()));
            }

            @Override
            public CompletableFuture<?> single(String url, String receipt) {
                return sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(receipt));
            }
        };
    }

    /** {@code ChangeMessageVisibilityBatch}, retried with {@code ChangeMessageVisibility}. */
    public static BatchOperation<ChangeMessageVisibilityBatchRequestEntry> changeVisibility(SqsAsyncClient sqs) {
        return new BatchOperation<>() {
            @Override
            public String what() {
                return "changing visibility";
            }

            @Override
            public CompletableFuture<List<Integer>> batch(String url, List<ChangeMessageVisibilityBatchRequestEntry> entries) {
                List<ChangeMessageVisibilityBatchRequestEntry> ided = new ArrayList<>(entries.size());
                for (int i = 0; i < entries.size(); i++) {
                    ided.add(entries.get(i).toBuilder().id(id(i)).build());
                }
                return sqs.changeMessageVisibilityBatch(r -> r.queueUrl(url).entries(ided)).thenApply(r -> failedSqs(r.failed()));
            }

            @Override
            public CompletableFuture<?> single(String url, ChangeMessageVisibilityBatchRequestEntry en) {
                return sqs.changeMessageVisibility(r -> r.queueUrl(url).receiptHandle(en.receiptHandle())
                        .visibilityTimeout(en.visibilityTimeout()));
            }
        };
    }

    /** SNS {@code PublishBatch}, retried with {@code Publish}. */
    public static BatchOperation<PublishBatchRequestEntry> publish(SnsAsyncClient sns) {
        return new BatchOperation<>() {
            @Override
            public String what() {
                return "publishing to topic";
            }

            @Override
            public CompletableFuture<List<Integer>> batch(String arn, List<PublishBatchRequestEntry> entries) {
                List<PublishBatchRequestEntry> ided = new ArrayList<>(entries.size());
                for (int i = 0; i < entries.size(); i++) {
                    ided.add(entries.get(i).toBuilder().id(id(i)).build());
                }
                return sns.publishBatch(r -> r.topicArn(arn).publishBatchRequestEntries(ided)).thenApply(r -> {
                    List<Integer> out = new ArrayList<>();
                    r.failed().forEach(f -> out.add(index(f.id())));
                    return out;
                });
            }

            @Override
            public CompletableFuture<?> single(String arn, PublishBatchRequestEntry en) {
                return sns.publish(r -> r.topicArn(arn).message(en.message()).messageAttributes(en.messageAttributes())
                        .messageGroupId(en.messageGroupId()).messageDeduplicationId(en.messageDeduplicationId()));
            }
        };
    }
}
