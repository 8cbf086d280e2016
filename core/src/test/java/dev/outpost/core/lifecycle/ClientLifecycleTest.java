package dev.outpost.core.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;

class ClientLifecycleTest extends LifecycleContract<Client> {
    private final InMemoryTransport transport = InMemoryTransport.create();
    private final AtomicReference<Error> toThrow = new AtomicReference<>();
    private final AtomicInteger listenerCalls = new AtomicInteger();
    private final Worker worker = Worker.builder(transport)
            .collector(Collector.of("echo", "echo", Json.anyObjectSchema(), (req, ctx) -> Map.of("ok", true)))
            .pollWait(Duration.ofMillis(50)).drainTimeout(Duration.ofSeconds(2)).build().start();

    @AfterEach
    void closeWorker() {
        worker.close();
        transport.close();
    }

    @Override
    protected Client create(ThreadFactory threads) {
        return Client.builder(transport).pollWait(Duration.ofMillis(50)).threadFactory(threads).onResponse(r -> {
            listenerCalls.incrementAndGet();
            Error e = toThrow.getAndSet(null);
            if (e != null) {
                throw e;
            }
        }).build();
    }

    @Override
    protected void start(Client client) {
        client.start();
    }

    @Override
    protected CompletableFuture<ShutdownResult> shutdown(Client client) {
        return client.shutdown();
    }

    @Override
    protected boolean provokeUserError(Client running, Error error) {
        int before = listenerCalls.get();
        toThrow.set(error);
        running.send(Request.builder("echo").build()).join();
        await().atMost(Duration.ofSeconds(10)).until(() -> listenerCalls.get() > before && toThrow.get() == null);
        return true;
    }

    @Override
    protected void assertWorks(Client running) throws Exception {
        Response r = running.call(Request.builder("echo").build(), Duration.ofSeconds(10)).get();
        assertThat(r.status()).isEqualTo(ResponseStatus.OK);
    }
}
