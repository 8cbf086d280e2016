package dev.outpost.host.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Json;
import dev.outpost.host.records.RecordStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** A caller's uuid is checked before anything is logged about its request. */
class RecordApiLogTest {
    @TempDir
    Path tmp;
    private final Logger logger = (Logger) LoggerFactory.getLogger(RecordApi.class);
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

    @BeforeEach
    void capture() {
        logged.start();
        logger.addAppender(logged);
    }

    @AfterEach
    void release() {
        logger.detachAppender(logged);
    }

    @Test
    void aHostileUuidNeverReachesTheLogEvenWhenTheStoreFails() throws Exception {
        // a store that is not running fails every store() before it looks at the source
        RecordApi api = new RecordApi(RecordStore.builder(tmp.resolve("records")).build());
        String hostile = "web-01\\n2026-01-01 ERROR forged line\\u0007" + "x".repeat(2_000);
        RecordApi.Reply r = api.post(("{\"uuid\": \"" + hostile + "\", \"id\": \"1\", \"data\": {}}").getBytes(StandardCharsets.UTF_8));

        assertThat(logged.list).allSatisfy(e -> assertThat(e.getFormattedMessage()).doesNotContain("forged").hasSizeLessThan(1000));
        assertThat(r.status()).isEqualTo(400);
        JsonNode body = Json.newMapper().readTree(r.body());
        assertThat(body.path("data").has("source")).as(body.toString()).isTrue();
    }
}
