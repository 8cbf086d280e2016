package dev.outpost.sqs;

import dev.outpost.spi.Transport;
import dev.outpost.testkit.TransportContract;
import dev.outpost.testkit.TransportFixture;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.opentest4j.TestAbortedException;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/** The transport contract against a real SQS server (ElasticMQ). Fan-out needs SNS: see SnsFauxqsTest. */
class SqsTransportContractTest extends TransportContract {
    private static ElasticMq mq;
    private static SqsAsyncClient admin;
    private static SqsTransport transport;
    private static final AtomicInteger n = new AtomicInteger();

    @BeforeAll
    static void start() {
        mq = ElasticMq.start();
        admin = mq.client();
        transport = SqsTransport.builder().sqsClient(mq.client()).build();
    }

    @AfterAll
    static void stop() {
        transport.close();
        mq.close();
    }

    @Override
    protected TransportFixture fixture() {
        return new TransportFixture() {
            @Override
            public Transport transport() {
                return transport;
            }

            @Override
            public String queue(String baseName, Duration visibility) {
                String name = baseName + "-" + n.incrementAndGet();
                ElasticMq.createQueue(admin, name, (int) visibility.toSeconds(), Map.of());
                return name;
            }

            @Override
            public String queueWithRedrive(String baseName, Duration visibility, int maxReceiveCount, String deadLetterQueue) {
                String name = baseName + "-" + n.incrementAndGet();
                String dlqArn = ElasticMq.arn(admin, transport.url(deadLetterQueue));
                ElasticMq.createQueue(admin, name, (int) visibility.toSeconds(), Map.of("RedrivePolicy",
                        "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\"" + maxReceiveCount + "\"}"));
                return name;
            }

            @Override
            public String topic(String baseName, List<String> subscribedQueues) {
                throw new TestAbortedException("ElasticMQ has no SNS: topic fan-out is tested against fauxqs");
            }

            @Override
            public Duration timerSlack() {
                return Duration.ofMillis(1200);
            }
        };
    }
}
