package dev.outpost.sqs;

import dev.outpost.core.Worker;
import dev.outpost.spi.Collector;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * A worker in its own JVM, for the kill -9 test:
 * {@code KillableWorkerMain <port> <queue> <workerId> <answerFirst> <visibilitySeconds>}. Its collector answers the
 * first {@code answerFirst} requests it runs and then blocks for good (no timeout ends the block: a timed-out run would
 * be answered with an error, or retried), so that whenever the test kills it, it holds requests it has received and
 * not answered.
 */
public final class KillableWorkerMain {
    private KillableWorkerMain() {}

    public static void main(String[] args) throws Exception {
        int answerFirst = Integer.parseInt(args[3]);
        Duration visibility = Duration.ofSeconds(Integer.parseInt(args[4]));
        AtomicInteger started = new AtomicInteger();
        CountDownLatch never = new CountDownLatch(1);
        Collector gated = Collector.of("slow", (request, context) -> {
            if (started.incrementAndGet() > answerFirst) {
                never.await(); // held until SIGKILL
            }
            return request.params();
        });
        SqsAsyncClient sqs = SqsAsyncClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + args[0]))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build();
        SqsTransport transport = SqsTransport.builder().sqsClient(sqs).queue("requests", args[1]).build();
        Worker.builder(transport).allowReplyTo("kill-replies", "load-replies", "outage-replies", "replies").id(args[2]).collector(gated).concurrency(8).visibility(visibility)
                .timeout(Duration.ofHours(1))
                .pollWait(Duration.ofSeconds(1)).build().start();
        System.out.println("ready");
        System.out.flush();
        never.await();
    }
}
