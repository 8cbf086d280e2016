package dev.outpost.host.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Message;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** What an operator reads in the host agent's log across outages: each one begins and ends with one line. */
class OutboxOutageLogTest {
    @TempDir
    Path dir;
    private final InMemoryTransport memory = InMemoryTransport.create();
    private final FlakyTransport flaky = new FlakyTransport(memory);
    private final Logger logger = (Logger) LoggerFactory.getLogger(OutboxTransport.class);
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent e) {
            lines.add(e.getFormattedMessage());
        }
    };

    @BeforeEach
    void capture() {
        appender.start();
        logger.addAppender(appender);
    }

    @AfterEach
    void release() {
        logger.detachAppender(appender);
        memory.close();
    }

    private long count(String part) {
        return lines.stream().filter(l -> l.contains(part)).count();
    }

    @Test
    void everyOutageIsLoggedWhenItBeginsAndWhenItEnds() throws Exception {
        try (OutboxTransport outbox = OutboxTransport.builder(flaky, dir).retryDelay(Duration.ofMillis(1), Duration.ofMillis(2)).build().start()) {
            flaky.failNext.set(3);
            outbox.send("records", msg(1)).join();
            // it said the destination was unavailable, never that it was back
            await().atMost(Duration.ofSeconds(10)).until(() -> count("resumed") == 1);
            assertThat(outbox.failedAttempts()).isEqualTo(3);

            flaky.failNext.set(2);
            outbox.send("records", msg(2)).join();
            await().atMost(Duration.ofSeconds(10)).until(() -> count("resumed") == 2);
            // the count of failures was never reset: the second outage (failures 4 and 5 of all) was not logged at all
            assertThat(lines).filteredOn(l -> l.contains("unavailable")).hasSize(2).allMatch(l -> l.contains("'records' unavailable"));
            assertThat(lines).filteredOn(l -> l.contains("resumed")).containsExactly(
                    "outbox: forwarding to 'records' resumed after 3 failed attempts; 0 messages waiting",
                    "outbox: forwarding to 'records' resumed after 2 failed attempts; 0 messages waiting");
            assertThat(flaky.accepted).hasSize(2);
        }
    }

    private static Message msg(int n) {
        return Message.of(Integer.toString(n).getBytes(StandardCharsets.UTF_8), Map.of("n", Integer.toString(n)));
    }
}
