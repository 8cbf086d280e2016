package dev.outpost.host.outbox;

import static org.awaitility.Awaitility.await;

import dev.outpost.ShutdownResult;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Message;
import dev.outpost.testkit.LifecycleContract;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The outbox's lifecycle; its user code is the wrapped transport, which here throws what the contract asks. */
class OutboxLifecycleTest extends LifecycleContract<OutboxTransport> {
    @TempDir
    Path dir;
    private final InMemoryTransport memory = InMemoryTransport.create();
    private final FlakyTransport flaky = new FlakyTransport(memory);

    @AfterEach
    void closeMemory() {
        memory.close();
    }

    @Override
    protected OutboxTransport create(ThreadFactory threads) {
        return OutboxTransport.builder(flaky, dir.resolve(UUID.randomUUID().toString())).threadFactory(threads)
                .retryDelay(Duration.ofMillis(5), Duration.ofMillis(20)).build();
    }

    @Override
    protected void start(OutboxTransport outbox) throws Exception {
        outbox.start();
    }

    @Override
    protected CompletableFuture<ShutdownResult> shutdown(OutboxTransport outbox) {
        return outbox.shutdown();
    }

    @Override
    protected boolean provokeUserError(OutboxTransport running, Error error) {
        long before = running.failedAttempts();
        flaky.throwNext = error;
        running.send("records", Message.of("x".getBytes(StandardCharsets.UTF_8))).join();
        await().atMost(Duration.ofSeconds(10)).until(() -> running.failedAttempts() > before);
        return true;
    }

    @Override
    protected void assertWorks(OutboxTransport outbox) {
        long before = outbox.delivered();
        outbox.send("records", Message.of("y".getBytes(StandardCharsets.UTF_8))).join();
        await().atMost(Duration.ofSeconds(10)).until(() -> outbox.delivered() > before && outbox.pending() == 0);
    }
}
