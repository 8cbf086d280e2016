package dev.outpost.sqs.internal;

import dev.outpost.spi.NoSuchDestinationException;
import dev.outpost.spi.TransportException;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** Questions about queues: whether one exists (verify) and how many messages wait (depth). */
public final class QueueChecks {
    private static final Logger log = LoggerFactory.getLogger(QueueChecks.class);

    private final SqsAsyncClient sqs;
    private final QueueUrls urls;
    private final Map<String, long[]> depthCache = new ConcurrentHashMap<>();

    public QueueChecks(SqsAsyncClient sqs, QueueUrls urls) {
        this.sqs = sqs;
        this.urls = urls;
    }

    /** Approximate, cached for a second; empty when SQS cannot say. */
    public OptionalLong depth(String source) {
        long now = System.nanoTime();
        long[] cached = depthCache.get(source);
        if (cached != null && now - cached[1] < 1_000_000_000L) {
            return OptionalLong.of(cached[0]);
        }
        try {
            String url = urls.url(source).get(5, TimeUnit.SECONDS);
            String n = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                    .get(5, TimeUnit.SECONDS).attributes().get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES);
            long depth = Long.parseLong(n);
            depthCache.put(source, new long[] {depth, now});
            return OptionalLong.of(depth);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        } catch (Exception e) {
            return OptionalLong.empty();
        }
    }

    /**
     * Looks the queue up and asks for its attributes. Only a queue SQS says does not exist fails;
     * while SQS cannot be reached this logs and returns, so a component starts during an outage.
     */
    public void verify(String destination) {
        try {
            String url = urls.url(destination).get(30, TimeUnit.SECONDS);
            sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN)).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException(destination, "interrupted while checking '" + destination + "'");
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            TransportException failure = cause instanceof TimeoutException
                    ? new TransportException(destination, "SQS did not answer while checking '" + destination + "'")
                    : Failures.fail(destination, urls.describe(destination), "checking", cause);
            if (failure instanceof NoSuchDestinationException) {
                throw failure;
            }
            log.warn("Could not check '{}' now, sends and receives will retry: {}", destination, failure.getMessage());
        }
    }
}
