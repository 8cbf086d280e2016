package dev.outpost.sqs;

import dev.outpost.core.Worker;
import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/** A worker in its own JVM, for the kill -9 test: {@code KillableWorkerMain <port> <queue> <workerId>}. */
public final class KillableWorkerMain {
    private KillableWorkerMain() {}

    public static void main(String[] args) throws Exception {
        SqsAsyncClient sqs = SqsAsyncClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + args[0]))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build();
        SqsTransport transport = SqsTransport.builder().sqsClient(sqs).queue("requests", args[1]).build();
        Worker.builder(transport).allowReplyTo("kill-replies", "load-replies", "outage-replies", "replies").id(args[2]).collector(SqsFaultsTest.slowEcho()).concurrency(8).visibility(Duration.ofSeconds(2)).pollWait(Duration.ofSeconds(1)).build().start();
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
