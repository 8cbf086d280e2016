package dev.outpost.core.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.ShutdownResult;
import dev.outpost.core.Client;
import dev.outpost.core.Worker;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Collector;
import dev.outpost.testkit.LifecycleContract;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;

class WorkerLifecycleTest extends LifecycleContract<Worker> {
    private final InMemoryTransport transport = InMemoryTransport.create();
    private final AtomicReference<Error> toThrow = new AtomicReference<>();
    private final Client client = Client.builder(transport).pollWait(Duration.ofMillis(50)).build().start();

    @AfterEach
    void closeClient() {
        client.close();
        transport.close();
    }

    @Override
    protected Worker create(ThreadFactory threads) {
        Collector echo = Collector.of("echo", "echo", Json.anyObjectSchema(), (req, ctx) -> Map.of("ok", true));
        Collector boom = Collector.of("boom", "throws", Json.anyObjectSchema(), (req, ctx) -> {
            throw toThrow.get();
        });
        return Worker.builder(transport).collector(echo).collector(boom).maxAttempts(1)
                .pollWait(Duration.ofMillis(50)).drainTimeout(Duration.ofSeconds(2)).threadFactory(threads).build();
    }

    @Override
    protected void start(Worker worker) {
        worker.start();
    }

    @Override
    protected CompletableFuture<ShutdownResult> shutdown(Worker worker) {
        return worker.shutdown();
    }

    @Override
    protected boolean provokeUserError(Worker running, Error error) throws Exception {
        toThrow.set(error);
        Response r = client.call(Request.builder("boom").build(), Duration.ofSeconds(10)).get();
        assertThat(r.status()).isEqualTo(ResponseStatus.ERROR);
        return true;
    }

    @Override
    protected void assertWorks(Worker running) throws Exception {
        Response r = client.call(Request.builder("echo").build(), Duration.ofSeconds(10)).get();
        assertThat(r.status()).isEqualTo(ResponseStatus.OK);
    }
}
