package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Collector;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class WorkerListenerCloseTest {
    @Test
    void aListenerClosingItsWorkerOnTheTransportsThreadDoesNotWaitForItself() throws Exception {
        AtomicReference<Worker> self = new AtomicReference<>();
        CountDownLatch closed = new CountDownLatch(1);
        WorkerListener closing = new WorkerListener() {
            @Override
            public void onCompleted(Request request, Response response, Duration elapsed) {
                self.get().close(); // the drain waits for this very call: close() must not wait for the drain
                closed.countDown();
            }
        };
        SendsOnItsOwnThread sending = null;
        try (InMemoryTransport transport = InMemoryTransport.create();
             Client client = Client.builder(transport).pollWait(Duration.ofMillis(50)).build().start()) {
            sending = new SendsOnItsOwnThread(transport); // as on SQS
            Worker worker = Worker.builder(sending).collector(Collector.of("echo", "echo", Json.anyObjectSchema(), (req, ctx) -> Map.of("n", 1)))
                    .listener(closing).drainTimeout(Duration.ofDays(1)).pollWait(Duration.ofMillis(50)).build();
            self.set(worker);
            worker.start();
            assertThat(client.call(Request.builder("echo").build(), Duration.ofSeconds(20)).get().isOk()).isTrue();
            sending.release();
            // before: close() joined a drain that waited for this listener to return: a day
            assertThat(closed.await(20, TimeUnit.SECONDS)).as("close() inside the listener returned").isTrue();
            assertThat(worker.shutdown().get(20, TimeUnit.SECONDS).handedBack()).isZero();
        } finally {
            if (sending != null) {
                sending.stopThread();
            }
        }
    }
}
