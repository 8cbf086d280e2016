package dev.outpost.host.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.outpost.ErrorInfo;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Message;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Whoever can send to the records queue writes what it likes in each field: the operator's log stays readable. */
class RecordConsumerAttackTest {
    @TempDir
    Path dir;
    private final Logger logger = (Logger) LoggerFactory.getLogger(RecordConsumer.class);
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
    }

    @Test
    void anErrorResponseWithAHugeWorkerIdIsRejectedWithoutPuttingItInTheLog() throws Exception {
        String worker = "w".repeat(200_000); // the response schema bounds no worker id; the transport allows this much
        Instant t = Instant.parse("2026-01-05T10:00:00Z");
        Response failed = Response.failed(Request.builder("host.processes").build(), ResponseStatus.ERROR,
                new ErrorInfo("boom", "failed"), worker, 1, t, t);
        try (InMemoryTransport transport = InMemoryTransport.create();
                RecordStore store = RecordStore.builder(dir).build().start();
                RecordConsumer consumer = RecordConsumer.builder(transport, "records", store).pollWait(Duration.ofMillis(50))
                        .build().start()) {
            for (int i = 0; i < 3; i++) {
                transport.send("records", Message.of(JsonCodec.create().encodeResponse(failed, Optional.empty()))).join();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> consumer.rejected() == 3);
        }
        assertThat(lines).isNotEmpty();
        // before: each rejection logged the whole id, 200,000 characters a line, as often as the sender liked
        assertThat(lines).allSatisfy(l -> assertThat(l.length()).isLessThan(1_000));
    }
}
