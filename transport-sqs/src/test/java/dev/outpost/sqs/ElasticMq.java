package dev.outpost.sqs;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** An ElasticMQ server in this JVM on 127.0.0.1, and SDK clients pointed at it. */
final class ElasticMq implements AutoCloseable {
    private SQSRestServer server;
    private final int port;
    final AtomicInteger apiCalls = new AtomicInteger();

    private ElasticMq(int port) {
        this.port = port;
    }

    static ElasticMq start() {
        SQSRestServer s = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(0).start();
        int port = s.waitUntilStarted().localAddress().getPort();
        ElasticMq mq = new ElasticMq(port);
        mq.server = s;
        return mq;
    }

    /** Stops the server, as an outage would. */
    void stop() {
        server.stopAndWait();
    }

    /** Starts it again on the same port (its queues are gone: recreate them). */
    void restart() {
        server = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(port).start();
        server.waitUntilStarted();
    }

    int port() {
        return port;
    }

    SqsAsyncClient client() {
        return client(SqsAsyncClient.builder());
    }

    /** A client on the AWS Common Runtime's HTTP client instead of the SDK's default (Netty). */
    SqsAsyncClient crtClient() {
        return client(SqsAsyncClient.builder().httpClientBuilder(software.amazon.awssdk.http.crt.AwsCrtAsyncHttpClient.builder()));
    }

    private SqsAsyncClient client(software.amazon.awssdk.services.sqs.SqsAsyncClientBuilder b) {
        return b
                .endpointOverride(URI.create("http://127.0.0.1:" + port))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .overrideConfiguration(ClientOverrideConfiguration.builder().addExecutionInterceptor(new ExecutionInterceptor() {
                    @Override
                    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                        apiCalls.incrementAndGet();
                    }
                }).build())
                .build();
    }

    static String createQueue(SqsAsyncClient sqs, String name, int visibilitySeconds, Map<String, String> extra) {
        Map<QueueAttributeName, String> attrs = new HashMap<>();
        attrs.put(QueueAttributeName.VISIBILITY_TIMEOUT, Integer.toString(visibilitySeconds));
        extra.forEach((k, v) -> attrs.put(QueueAttributeName.fromValue(k), v));
        return sqs.createQueue(r -> r.queueName(name).attributes(attrs)).join().queueUrl();
    }

    static String arn(SqsAsyncClient sqs, String url) {
        return sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN)).join()
                .attributes().get(QueueAttributeName.QUEUE_ARN);
    }

    @Override
    public void close() {
        server.stopAndWait();
    }
}
