package dev.outpost.inmemory;

import dev.outpost.spi.Transport;
import dev.outpost.testkit.TransportContract;
import dev.outpost.testkit.TransportFixture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;

class InMemoryTransportContractTest extends TransportContract {
    private final InMemoryTransport transport = InMemoryTransport.create();
    private final AtomicInteger n = new AtomicInteger();

    @AfterEach
    void close() {
        transport.close();
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
                transport.queue(name, QueueOptions.builder().visibilityTimeout(visibility).build());
                return name;
            }

            @Override
            public String queueWithRedrive(String baseName, Duration visibility, int maxReceiveCount, String deadLetterQueue) {
                String name = baseName + "-" + n.incrementAndGet();
                transport.queue(name, QueueOptions.builder().visibilityTimeout(visibility).redrive(maxReceiveCount, deadLetterQueue).build());
                return name;
            }

            @Override
            public String topic(String baseName, List<String> subscribedQueues) {
                String name = baseName + "-" + n.incrementAndGet();
                transport.topic(name);
                subscribedQueues.forEach(q -> transport.subscribe(name, q));
                return name;
            }
        };
    }
}
