package dev.outpost.sqs.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.GetQueueUrlRequest;
import software.amazon.awssdk.services.sqs.model.GetQueueUrlResponse;

class QueueUrlsTest {
    /** Answers every look-up at once, counting them per name. */
    private static final class Answering implements SqsAsyncClient {
        final Map<String, AtomicInteger> lookUps = new ConcurrentHashMap<>();

        @Override
        public CompletableFuture<GetQueueUrlResponse> getQueueUrl(GetQueueUrlRequest r) {
            lookUps.computeIfAbsent(r.queueName(), n -> new AtomicInteger()).incrementAndGet();
            return CompletableFuture.completedFuture(GetQueueUrlResponse.builder()
                    .queueUrl("http://127.0.0.1:9324/000000000000/" + r.queueName()).build());
        }

        @Override
        public String serviceName() {
            return "sqs";
        }

        @Override
        public void close() {}
    }

    @Test
    void everyReplyQueueNameEverSeenIsNotKeptForEverAndOneInUseStaysKnown() {
        Answering sqs = new Answering();
        QueueUrls urls = new QueueUrls(sqs, Map.of("requests", "the-requests"), 100);
        for (int i = 0; i < 10_000; i++) {
            // hostile or merely many replyTo values
            assertThat(urls.url("reply-" + i).join()).endsWith("/reply-" + i);
            assertThat(urls.url("requests").join()).endsWith("/the-requests");
        }
        assertThat(urls.size()).isLessThanOrEqualTo(100);
        assertThat(sqs.lookUps.get("the-requests")).hasValue(1);
        // one forgotten is looked up again, and right
        assertThat(urls.url("reply-0").join()).endsWith("/reply-0");
        assertThat(sqs.lookUps.get("reply-0")).hasValue(2);
    }
}
