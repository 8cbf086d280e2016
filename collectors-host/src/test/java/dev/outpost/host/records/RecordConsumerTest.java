package dev.outpost.host.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.ErrorInfo;
import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Decoded;
import dev.outpost.spi.Message;
import dev.outpost.spi.Sender;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordConsumerTest {
    @TempDir
    Path dir;
    private final JsonCodec codec = JsonCodec.create();

    private Message response(String worker, Request request, boolean ok) {
        Instant t = Instant.parse("2026-01-05T10:00:00Z");
        Response r = ok ? Response.ok(request, Json.parse("{\"processes\":[]}"), worker, 1, t, t)
                : Response.failed(request, ResponseStatus.ERROR, new ErrorInfo("boom", "failed"), worker, 1, t, t);
        return Message.of(codec.encodeResponse(r, Optional.empty()));
    }

    @Test
    void aSourceThatDoesNotExistFailsTheStartNamingIt() throws Exception {
        try (InMemoryTransport strict = InMemoryTransport.builder().autoCreate(false).build();
             RecordStore store = RecordStore.builder(dir).build().start();
             RecordConsumer consumer = RecordConsumer.builder(strict, "recrods", store).build()) {
            // before: it started and polled a queue that would never exist
            org.assertj.core.api.Assertions.assertThatThrownBy(consumer::start)
                    .isInstanceOf(dev.outpost.spi.NoSuchDestinationException.class).hasMessageContaining("recrods");
        }
    }

    @Test
    void aSecondStartOrAStartAfterShutdownSaysSoWithoutCheckingTheSourceAgain() throws Exception {
        AtomicInteger checks = new AtomicInteger();
        try (InMemoryTransport memory = InMemoryTransport.create();
             RecordStore store = RecordStore.builder(dir).build().start()) {
            dev.outpost.spi.Transport gone = new dev.outpost.spi.ForwardingTransport(memory) {
                @Override
                public void verify(String destination) {
                    // the first check finds the queue; by the next it was deleted (or SQS went away, 60 s of timeouts)
                    if (checks.incrementAndGet() > 1) {
                        throw new dev.outpost.spi.NoSuchDestinationException(destination, "deleted (test)");
                    }
                }
            };
            RecordConsumer running = RecordConsumer.builder(gone, "records", store).pollWait(Duration.ofMillis(20)).build().start();
            org.assertj.core.api.Assertions.assertThatThrownBy(running::start).isInstanceOf(IllegalStateException.class);
            running.close();
            org.assertj.core.api.Assertions.assertThatThrownBy(running::start).isInstanceOf(IllegalStateException.class);
            RecordConsumer neverStarted = RecordConsumer.builder(gone, "records", store).build();
            neverStarted.close();
            org.assertj.core.api.Assertions.assertThatThrownBy(neverStarted::start).isInstanceOf(IllegalStateException.class);
            assertThat(checks).hasValue(1);
        }
    }

    @Test
    void aTransportThatCannotCheckTheSourceNowStillLetsTheConsumerStart() throws Exception {
        try (InMemoryTransport memory = InMemoryTransport.create();
             RecordStore store = RecordStore.builder(dir).build().start()) {
            dev.outpost.spi.Transport unreachable = new dev.outpost.spi.ForwardingTransport(memory) {
                @Override
                public void verify(String destination) {
                    throw new dev.outpost.spi.TransportException(destination, "the broker did not answer (test)");
                }
            };
            // before: the start failed, though its javadoc says an outage now is waited out
            try (RecordConsumer consumer = RecordConsumer.builder(unreachable, "records", store).pollWait(Duration.ofMillis(20))
                    .build().start()) {
                memory.send("records", response("web-01", Request.builder("host.processes").build(), true)).join();
                await().atMost(Duration.ofSeconds(10)).until(() -> consumer.stored() == 1);
            }
        }
    }

    @Test
    void storesEachResponseOnceAndSkipsWhatItCannotStore() throws Exception {
        try (InMemoryTransport transport = InMemoryTransport.create();
             RecordStore store = RecordStore.builder(dir).build().start();
             RecordConsumer consumer = RecordConsumer.builder(transport, "records", store).pollWait(Duration.ofMillis(50))
                     .build().start()) {
            Request sample = Request.builder("host.processes").build();
            transport.send("records", response("web-01", sample, true)).join();
            transport.send("records", response("web-01", sample, true)).join(); // a redelivery of the same sample
            transport.send("records", response("web-01", Request.builder("host.processes").build(), false)).join();
            transport.send("records", response("../../etc", Request.builder("host.processes").build(), true)).join();
            transport.send("records", Message.of("not json".getBytes(StandardCharsets.UTF_8))).join();
            await().atMost(Duration.ofSeconds(10)).until(() -> consumer.stored() + consumer.duplicates() + consumer.rejected() == 5);
            assertThat(consumer.stored()).isEqualTo(1);
            assertThat(consumer.duplicates()).isEqualTo(1);
            assertThat(consumer.rejected()).isEqualTo(3);
            assertThat(store.count()).isEqualTo(1);
            StoredRecord r = store.latest().orElseThrow();
            assertThat(r.requestId()).isEqualTo(sample.id());
            assertThat(r.source()).isEqualTo("web-01");
            assertThat(r.measuredAt()).contains(Instant.parse("2026-01-05T10:00:00Z"));
            await().atMost(Duration.ofSeconds(5)).until(() -> transport.depth("records").orElse(0) == 0
                    && transport.inFlight("records") == 0);
        }
    }

    @Test
    void aMessageTheCodecChokesOnEveryTimeIsGivenUpAfterBoundedAttempts() throws Exception {
        Message poison = response("web-01", Request.builder("host.processes").build(), true);
        AtomicInteger choked = new AtomicInteger();
        // a codec that overflows its stack on one (hostile, deeply nested) body, every time it sees it
        Codec choking = new Codec() {
            @Override
            public byte[] encodeRequest(Request request) {
                return codec.encodeRequest(request);
            }

            @Override
            public Decoded<Request> decodeRequest(byte[] body) {
                return codec.decodeRequest(body);
            }

            @Override
            public byte[] encodeResponse(Response response, Optional<Sender> recipient) {
                return codec.encodeResponse(response, recipient);
            }

            @Override
            public Decoded<Response> decodeResponse(byte[] body) {
                if (Arrays.equals(body, poison.body())) {
                    choked.incrementAndGet();
                    throw new StackOverflowError("nested too deep");
                }
                return codec.decodeResponse(body);
            }
        };
        try (InMemoryTransport transport = InMemoryTransport.create();
             RecordStore store = RecordStore.builder(dir).build().start();
             RecordConsumer consumer = RecordConsumer.builder(transport, "records", store).codec(choking)
                     .pollWait(Duration.ofMillis(50)).retryDelay(Duration.ZERO).build().start()) {
            transport.send("records", poison).join();
            transport.send("records", response("web-01", Request.builder("host.processes").build(), true)).join();
            await().atMost(Duration.ofSeconds(10)).until(() -> consumer.rejected() == 1 && consumer.stored() == 1);
            await().atMost(Duration.ofSeconds(5)).until(() -> transport.depth("records").orElse(0) == 0
                    && transport.inFlight("records") == 0);
            assertThat(choked.get()).isEqualTo(RecordConsumer.MAX_ATTEMPTS);
            assertThat(consumer.failures()).isEqualTo(RecordConsumer.MAX_ATTEMPTS - 1);
        }
    }
}
