package dev.outpost.host.records;

import static org.awaitility.Awaitility.await;

import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ShutdownResult;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Decoded;
import dev.outpost.spi.Message;
import dev.outpost.spi.Sender;
import dev.outpost.testkit.LifecycleContract;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The consumer's lifecycle; its user code is the codec, which here throws what the contract asks. */
class RecordConsumerLifecycleTest extends LifecycleContract<RecordConsumer> {
    @TempDir
    Path dir;
    private final InMemoryTransport transport = InMemoryTransport.create();
    private final JsonCodec json = JsonCodec.create();
    private final ThrowingCodec codec = new ThrowingCodec();
    private RecordStore store;

    /** The JSON codec, throwing a given Error once. */
    final class ThrowingCodec implements Codec {
        volatile Error next;
        final AtomicInteger thrown = new AtomicInteger();

        @Override
        public byte[] encodeRequest(Request request) {
            return json.encodeRequest(request);
        }

        @Override
        public Decoded<Request> decodeRequest(byte[] body) {
            return json.decodeRequest(body);
        }

        @Override
        public byte[] encodeResponse(Response response, Optional<Sender> recipient) {
            return json.encodeResponse(response, recipient);
        }

        @Override
        public Decoded<Response> decodeResponse(byte[] body) {
            Error e = next;
            if (e != null) {
                next = null;
                thrown.incrementAndGet();
                throw e;
            }
            return json.decodeResponse(body);
        }
    }

    @Override
    protected RecordConsumer create(ThreadFactory threads) throws Exception {
        if (store == null) {
            store = RecordStore.builder(dir.resolve("records")).build().start();
        }
        return RecordConsumer.builder(transport, "records", store).codec(codec).pollWait(Duration.ofMillis(50))
                .retryDelay(Duration.ofMillis(10)).threadFactory(threads).build();
    }

    @AfterEach
    void closeAll() {
        if (store != null) {
            store.close();
        }
        transport.close();
    }

    @Override
    protected void start(RecordConsumer consumer) {
        consumer.start();
    }

    @Override
    protected CompletableFuture<ShutdownResult> shutdown(RecordConsumer consumer) {
        return consumer.shutdown();
    }

    private void sendSample() {
        Request r = Request.builder("host.processes").build();
        Instant t = Instant.parse("2026-01-05T10:00:00Z");
        transport.send("records", Message.of(json.encodeResponse(Response.ok(r, Json.parse("{\"n\":1}"), "web-01", 1, t, t),
                Optional.empty()))).join();
    }

    @Override
    protected boolean provokeUserError(RecordConsumer running, Error error) {
        int before = codec.thrown.get();
        codec.next = error;
        sendSample();
        await().atMost(Duration.ofSeconds(10)).until(() -> codec.thrown.get() > before);
        return true;
    }

    @Override
    protected void assertWorks(RecordConsumer consumer) {
        long before = consumer.stored();
        sendSample();
        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.stored() > before);
    }
}
