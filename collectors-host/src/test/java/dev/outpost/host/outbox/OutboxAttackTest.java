package dev.outpost.host.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Message;
import dev.outpost.spi.NoSuchDestinationException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A buggy caller, and what it leaves in the outbox: one bad message must not hold up the ones behind it. */
class OutboxAttackTest {
    @TempDir
    Path dir;
    private final InMemoryTransport memory = InMemoryTransport.create();

    @AfterEach
    void close() {
        memory.close();
    }

    private static Message msg(String text) {
        return Message.of(text.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    @Test
    void aSendToABlankDestinationIsRefusedAtOnceAndDoesNotBlockTheOutbox() throws Exception {
        try (OutboxTransport outbox = OutboxTransport.builder(memory, dir).retryDelay(Duration.ofMillis(5), Duration.ofMillis(40))
                .build().start()) {
            // before: taken, then refused by the wrapped transport at every attempt, for ever, with everything behind it waiting
            assertThat(outbox.send(" ", msg("lost"))).failsWithin(Duration.ofSeconds(10))
                    .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(NoSuchDestinationException.class);
            outbox.send("records", msg("sample")).join();

            await().atMost(Duration.ofSeconds(10)).until(() -> outbox.pending() == 0);
            assertThat(memory.depth("records").orElseThrow()).isEqualTo(1);
        }
    }
}
