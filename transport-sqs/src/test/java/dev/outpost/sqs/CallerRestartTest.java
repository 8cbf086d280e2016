package dev.outpost.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.outpost.OutpostException;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.CallTimeoutException;
import dev.outpost.core.Client;
import dev.outpost.core.PollLoop;
import dev.outpost.core.Worker;
import dev.outpost.spi.Collector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * The caller's side of an SQS outage: a client with many calls waiting for answers when ElasticMQ is stopped, and
 * started again with its queues recreated.
 */
class CallerRestartTest {
    private static final int IN_FLIGHT = 40;

    @Test
    void pendingCallsEndByTheirDeadlineAndTheClientResumesByItself() throws Exception {
        ElasticMq mq = ElasticMq.start();
        SqsAsyncClient admin = mq.client();
        ElasticMq.createQueue(admin, "caller-requests", 30, Map.of());
        ElasticMq.createQueue(admin, "caller-replies", 30, Map.of());
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        Logger loopLog = (Logger) LoggerFactory.getLogger(PollLoop.class);
        loopLog.addAppender(logged);
        CountDownLatch hold = new CountDownLatch(1);
        Set<String> before = clientThreads();
        try (SqsTransport workerSide = SqsTransport.builder().sqsClient(mq.client()).queue("requests", "caller-requests").build();
                Worker worker = Worker.builder(workerSide).allowReplyTo("caller-replies")
                        .collector(Collector.of("held", (r, c) -> {
                            hold.await(); // the calls are waiting for their answers when the server goes away
                            return r.params();
                        }))
                        .collector(Collector.of("echo", (r, c) -> r.params()))
                        .concurrency(IN_FLIGHT).pollWait(Duration.ofSeconds(1)).build().start();
                SqsTransport callerSide = SqsTransport.builder().sqsClient(mq.client()).queue("requests", "caller-requests").build()) {
            Client client = Client.builder(callerSide).replyTo("caller-replies").pollWait(Duration.ofSeconds(1)).build().start();
            try {
                assertThat(client.call(Request.builder("echo").build(), Duration.ofSeconds(20)).join().isOk()).isTrue();
                List<CompletableFuture<Response>> pending = new ArrayList<>();
                for (int i = 0; i < IN_FLIGHT; i++) {
                    pending.add(client.call(Request.builder("held").param("i", i).build(), Duration.ofSeconds(4)));
                }
                await().atMost(Duration.ofSeconds(20)).until(() -> worker.status().counters().received() >= IN_FLIGHT + 1);

                mq.stop();
                hold.countDown(); // the worker's answers cannot be sent: no call can be answered now
                // every pending call ends (its deadline is bounded by the await), with a typed error
                await().atMost(Duration.ofSeconds(30)).until(() -> pending.stream().allMatch(CompletableFuture::isDone));
                for (CompletableFuture<Response> f : pending) {
                    Throwable why = failure(f);
                    assertThat(why).isInstanceOf(OutpostException.class);
                    if (why instanceof CallTimeoutException timeout) {
                        assertThat(timeout.replyFailure()).as("the timeout says the reply destination is unreachable").isPresent();
                    }
                }
                // a call made during the outage ends too, not later than its deadline allows
                CompletableFuture<Response> during = client.call(Request.builder("echo").build(), Duration.ofSeconds(2));
                await().atMost(Duration.ofSeconds(30)).until(during::isDone);
                assertThat(failure(during)).isInstanceOf(OutpostException.class);
                assertThat(client.pending()).isZero();
                assertThat(client.replyFailure()).as("the client says it cannot hear answers").isPresent();

                mq.restart();
                ElasticMq.createQueue(admin, "caller-requests", 30, Map.of());
                ElasticMq.createQueue(admin, "caller-replies", 30, Map.of());
                // the reply pollers resume by themselves: new calls are answered
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() ->
                        client.call(Request.builder("echo").param("after", true).build(), Duration.ofSeconds(5)).join().isOk());
                for (int i = 0; i < 10; i++) {
                    assertThat(client.call(Request.builder("echo").param("i", i).build(), Duration.ofSeconds(20)).join().isOk()).isTrue();
                }
                assertThat(client.replyFailure()).isEmpty();
                List<String> warnings = logged.list.stream().filter(e -> e.getLevel() == Level.WARN)
                        .map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains("caller-replies")).toList();
                assertThat(warnings.stream().filter(m -> m.contains("cannot receive from")).count())
                        .as("the outage is reported once, not per poll: %s", warnings).isEqualTo(1);
            } finally {
                assertThat(client.shutdown().join().clean()).isTrue();
            }
            assertThat(clientThreads()).as("the client's threads ended").isSubsetOf(before);
        } finally {
            loopLog.detachAppender(logged);
            mq.close();
        }
    }

    private static Throwable failure(CompletableFuture<?> f) {
        try {
            f.join();
            return null;
        } catch (CompletionException e) {
            return e.getCause();
        } catch (java.util.concurrent.CancellationException e) {
            return e;
        }
    }

    private static Set<String> clientThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("outpost-client")).collect(Collectors.toSet());
    }
}
