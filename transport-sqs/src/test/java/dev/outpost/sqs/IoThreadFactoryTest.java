package dev.outpost.sqs;

import static dev.outpost.sqs.HardeningTest.config;
import static dev.outpost.sqs.HardeningTest.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.outpost.spi.TransportException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The SDK clients the transport creates take their I/O threads from the builder's threadFactory: a factory that
 * gives none fails the calls with an error that says so, and closing still releases what the clients opened.
 */
class IoThreadFactoryTest {
    private static final Path FDS = Path.of("/proc/self/fd");
    static ElasticMq mq;

    @BeforeAll
    static void start() {
        mq = ElasticMq.start();
        ElasticMq.createQueue(mq.client(), "io-threads", 30, Map.of());
    }

    @AfterAll
    static void stop() {
        mq.close();
    }

    private static SqsTransport.Builder configured() {
        return SqsTransport.builder().configure(config(Map.of("outpost.sqs.endpoint", "http://127.0.0.1:" + mq.port(),
                "outpost.sqs.region", "eu-west-1", "outpost.sqs.access-key-id", "AKIDEXAMPLE",
                "outpost.sqs.secret-access-key", "secret-example", "outpost.sqs.requests", "io-threads")));
    }

    @Test
    void aFactoryThatGivesNoThreadFailsCallsWithAnErrorNamingItAndClosingLeaksNoSelector() throws Exception {
        assumeTrue(Files.isDirectory(FDS), "counts the process's epoll descriptors (Linux)");
        ThreadFactory none = r -> null;
        ThreadFactory refusing = r -> {
            throw new UnsupportedOperationException("no threads here (test)");
        };
        for (ThreadFactory threads : List.of(none, refusing)) {
            long selectors = selectors();
            SqsTransport t = configured().threadFactory(threads).build();
            assertThatThrownBy(() -> t.send("requests", text("x")).get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TransportException.class)
                    .satisfies(e -> assertThat(chain(e)).anySatisfy(c -> assertThat(c).isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("threadFactory").hasMessageContaining("SQS client's I/O threads")));
            assertThatThrownBy(() -> t.receive("requests", 10, Duration.ofSeconds(1))).isInstanceOf(TransportException.class)
                    .hasMessageContaining("threadFactory");
            t.close();
            // before: each of the client's event loops kept the selector it opened in build(), its thread never started
            assertThat(selectors()).as("epoll descriptors left open after close()").isEqualTo(selectors);
        }
    }

    @Test
    void nonDaemonThreadsFromTheFactoryEndWithClose() throws Exception {
        List<Thread> made = new CopyOnWriteArrayList<>();
        SqsTransport t = configured().threadFactory(r -> {
            Thread th = new Thread(r, "user-made");
            th.setDaemon(false); // would keep the JVM alive if the transport left them running
            made.add(th);
            return th;
        }).build();
        t.send("requests", text("x")).get(10, TimeUnit.SECONDS);
        assertThat(t.receive("requests", 10, Duration.ofSeconds(2))).hasSize(1);
        t.close();
        for (Thread th : made) {
            th.join(10_000); // a bound against a hang only: they have ended when close() returns
        }
        assertThat(made).isNotEmpty().noneMatch(Thread::isAlive);
    }

    private static List<Throwable> chain(Throwable e) {
        List<Throwable> out = new java.util.ArrayList<>();
        for (Throwable c = e; c != null && !out.contains(c); c = c.getCause()) {
            out.add(c);
        }
        return out;
    }

    /** The process's open epoll descriptors: one per selector a Netty event loop opened. */
    private static long selectors() throws IOException {
        try (var fds = Files.list(FDS)) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().contains("eventpoll");
                } catch (IOException gone) {
                    return false; // the listing's own descriptor, closed meanwhile
                }
            }).count();
        }
    }
}
