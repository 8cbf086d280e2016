package dev.outpost.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.ShutdownResult;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.TransportException;
import dev.outpost.testkit.LifecycleContract;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * The transport's lifecycle on ElasticMQ. Its user code is the SDK client it is given: here one
 * whose next batch send throws the contract's {@link Error}, which must fail that send (not strand
 * it) and leave the batching thread working.
 */
class SqsTransportLifecycleTest extends LifecycleContract<SqsTransport> {
    static ElasticMq mq;
    static SqsAsyncClient real;
    private InterceptingSqsClient client;
    private String queue;

    @BeforeAll
    static void startServer() {
        mq = ElasticMq.start();
        real = mq.client();
    }

    @AfterAll
    static void stopServer() {
        real.close();
        mq.close();
    }

    @Override
    protected SqsTransport create(ThreadFactory threads) {
        queue = "lifecycle-" + UUID.randomUUID();
        ElasticMq.createQueue(real, queue, 30, Map.of());
        client = new InterceptingSqsClient(real);
        return SqsTransport.builder().sqsClient(client).queue("requests", queue).threadFactory(threads).build();
    }

    @Override
    protected void start(SqsTransport t) {
        t.start();
    }

    @Override
    protected CompletableFuture<ShutdownResult> shutdown(SqsTransport t) {
        return t.shutdown();
    }

    @Override
    protected boolean provokeUserError(SqsTransport running, Error error) {
        client.throwOnNextSendBatch.set(error);
        CompletableFuture<Void> sent = running.send("requests", text("meets the error"));
        assertThatThrownBy(() -> sent.get(10, TimeUnit.SECONDS)).as("the send fails, it is not stranded")
                .hasCauseInstanceOf(TransportException.class).hasRootCauseInstanceOf(error.getClass());
        return true;
    }

    @Override
    protected void assertWorks(SqsTransport running) throws Exception {
        String body = "works " + UUID.randomUUID();
        running.send("requests", text(body)).get(10, TimeUnit.SECONDS);
        List<Delivery> got = running.receive("requests", 10, Duration.ofSeconds(5));
        assertThat(got).extracting(d -> new String(d.message().body(), StandardCharsets.UTF_8)).containsExactly(body);
        got.get(0).ack().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aThreadFactoryThatFailsAtShutdownStillClosesTheTransport() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        AtomicReference<Thread> batching = new AtomicReference<>();
        ThreadFactory threads = r -> {
            if (calls.incrementAndGet() > 1) {
                throw new IllegalStateException("this factory makes one thread");
            }
            Thread t = new Thread(r, "sqs-lifecycle-batching");
            t.setDaemon(true);
            batching.set(t);
            return t;
        };
        SqsTransport t = create(threads).start();
        CompletableFuture<Void> waiting = t.send("requests", text("sent before the shutdown"));

        CompletableFuture<ShutdownResult> done = t.shutdown();

        assertThat(done.get(10, TimeUnit.SECONDS)).as("the shutdown ends on the caller's thread").isNotNull();
        assertThat(t.shutdown()).isSameAs(done);
        waiting.get(10, TimeUnit.SECONDS);
        batching.get().join(TimeUnit.SECONDS.toMillis(10));
        assertThat(batching.get().isAlive()).as("the batching thread is stopped").isFalse();
        t.close(); // returns: the one shutdown has ended
    }

    @Test
    void aThreadFactoryThatGivesNoThreadDoesNotStrandLingeringSends() throws Exception {
        ThreadFactory none = r -> null; // allowed: "null if the request to create a thread is rejected"
        ThreadFactory failing = r -> {
            throw new OutOfMemoryError("unable to create native thread");
        };
        for (ThreadFactory threads : List.of(none, failing)) {
            queue = "lifecycle-" + UUID.randomUUID();
            ElasticMq.createQueue(real, queue, 30, Map.of());
            try (SqsTransport t = SqsTransport.builder().sqsClient(real).queue("requests", queue).threadFactory(threads)
                    .linger(Duration.ofMillis(50)).build()) {
                assertWorks(t); // its send and its ack each linger in a batch: neither is left waiting for a thread
            }
        }
    }

    private static Message text(String s) {
        return Message.of(s.getBytes(StandardCharsets.UTF_8));
    }
}
