package dev.outpost.sqs;

import dev.outpost.spi.Transport;
import dev.outpost.testkit.Fauxqs;
import dev.outpost.testkit.TransportContract;
import dev.outpost.testkit.TransportFixture;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import software.amazon.awssdk.services.sns.SnsAsyncClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** The whole transport contract, topics included, against fauxqs (SQS + SNS). */
class FauxqsContractTest extends TransportContract {
    private static Fauxqs fauxqs;
    private static SqsAsyncClient sqs;
    private static SnsAsyncClient sns;
    private static SqsTransport transport;
    private static final Map<String, String> topics = new java.util.concurrent.ConcurrentHashMap<>();
    private static final AtomicInteger n = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        fauxqs = Fauxqs.start();
        sqs = FauxqsClients.sqs(fauxqs);
        sns = FauxqsClients.sns(fauxqs);
    }

    @AfterAll
    static void stop() {
        if (transport != null) {
            transport.close();
        }
        if (fauxqs != null) {
            fauxqs.close();
        }
    }

    @Override
    protected TransportFixture fixture() {
        return new TransportFixture() {
            @Override
            public synchronized Transport transport() {
                if (transport == null) {
                    SqsTransport.Builder b = SqsTransport.builder().sqsClient(sqs).snsClient(sns);
                    topics.forEach(b::topic);
                    transport = b.build();
                }
                return transport;
            }

            @Override
            public String queue(String baseName, Duration visibility) {
                String name = baseName + "-" + n.incrementAndGet();
                new SqsProvisioner(sqs).queue(name, Map.of(QueueAttributeName.VISIBILITY_TIMEOUT,
                        Long.toString(visibility.toSeconds())));
                return name;
            }

            @Override
            public String queueWithRedrive(String baseName, Duration visibility, int maxReceiveCount, String deadLetterQueue) {
                String name = baseName + "-" + n.incrementAndGet();
                String dlqArn = ElasticMq.arn(sqs, sqs.getQueueUrl(r -> r.queueName(deadLetterQueue)).join().queueUrl());
                new SqsProvisioner(sqs).queue(name, Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, Long.toString(visibility.toSeconds()),
                        QueueAttributeName.REDRIVE_POLICY,
                        "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\"" + maxReceiveCount + "\"}"));
                return name;
            }

            // topics are created by the tests, so the transport is rebuilt with the new mapping
            @Override
            public synchronized String topic(String baseName, List<String> subscribedQueues) {
                String name = baseName + "-" + n.incrementAndGet();
                SqsProvisioner p = new SqsProvisioner(sqs, sns);
                String arn = null;
                for (String q : subscribedQueues) {
                    arn = p.topicToQueue(name, q);
                }
                topics.put(name, arn);
                if (transport != null) {
                    transport.close();
                    transport = null;
                }
                return name;
            }

            @Override
            public Duration timerSlack() {
                return Duration.ofMillis(1200);
            }
        };
    }
}
