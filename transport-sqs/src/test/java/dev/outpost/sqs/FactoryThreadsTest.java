package dev.outpost.sqs;

import static dev.outpost.sqs.HardeningTest.config;
import static dev.outpost.sqs.HardeningTest.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.spi.Delivery;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A transport given a thread factory makes every thread of the clients it creates with it: their I/O threads, and
 * the threads the SDK would otherwise make itself to complete calls and time them. ElasticMQ (in this JVM: its own
 * threads are told apart by name).
 */
class FactoryThreadsTest {
    static ElasticMq mq;

    @BeforeAll
    static void start() {
        mq = ElasticMq.start();
    }

    @AfterAll
    static void stop() {
        mq.close();
    }

    private static Set<Thread> live() {
        return Thread.getAllStackTraces().keySet();
    }

    @Test
    void everyThreadOfTheClientsItCreatesComesFromTheFactory() throws Exception {
        ElasticMq.createQueue(mq.client(), "factory-threads", 30, Map.of());
        Set<Thread> before = live();
        List<Thread> made = new CopyOnWriteArrayList<>();
        try (SqsTransport t = SqsTransport.builder().configure(config(Map.of("outpost.sqs.endpoint", "http://127.0.0.1:" + mq.port(),
                "outpost.sqs.region", "eu-west-1", "outpost.sqs.access-key-id", "AKIDEXAMPLE",
                "outpost.sqs.secret-access-key", "secret-example", "outpost.sqs.requests", "factory-threads"))).threadFactory(r -> {
                    Thread th = new Thread(r, "counted-" + made.size());
                    made.add(th);
                    return th;
                }).build()) {
            t.send("requests", text("x")).join();
            List<Delivery> got = t.receive("requests", 10, Duration.ofSeconds(2));
            assertThat(got).hasSize(1);
            got.get(0).ack().join();
            Set<String> outside = live().stream().filter(th -> !before.contains(th) && !made.contains(th))
                    .map(Thread::getName)
                    .filter(n -> !n.contains("elasticmq") && !n.contains("pekko") && !n.startsWith("ForkJoinPool"))
                    .collect(Collectors.toSet());
            assertThat(outside).as("threads made outside the factory").isEmpty();
        }
        for (Thread th : made) {
            th.join(10_000); // a bound against a hang only: they have ended when close() returns
        }
        assertThat(made).noneMatch(Thread::isAlive);
    }
}
