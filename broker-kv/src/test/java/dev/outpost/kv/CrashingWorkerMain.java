package dev.outpost.kv;

import dev.outpost.Json;
import dev.outpost.core.Worker;
import dev.outpost.spi.Collector;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.Transport;
import dev.outpost.sqs.SqsTransport;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * The worker process {@link WorkerCrashTest} kills: on ElasticMQ, with its idempotency store in
 * a SQLite file, or (with {@code outbox}) with a result outbox in a directory instead. Its
 * collector {@code charge} appends a line to a file (the side effect). With
 * {@code stall}, the first response it publishes never leaves: it writes a marker file (the outcome
 * is recorded and the side effect done) and hangs before the ack, waiting for {@code kill -9}.
 */
public final class CrashingWorkerMain {
    private CrashingWorkerMain() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        Path db = Path.of(args[1]);
        Path counter = Path.of(args[2]);
        Path marker = Path.of(args[3]);
        boolean stall = args[4].equals("stall");
        boolean outbox = args[5].equals("outbox"); // else: idempotency store
        SqsAsyncClient sqs = SqsAsyncClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + port))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build();
        SqsTransport sqsTransport = SqsTransport.builder().sqsClient(sqs).visibilityTimeout(Duration.ofSeconds(2)).build();
        Transport transport = stall ? new StallingReplies(sqsTransport, marker) : sqsTransport;
        SqliteRegistry store = SqliteRegistry.open(db);
        Collector charge = Collector.of("charge", (request, context) -> {
            Files.writeString(counter, request.params().path("amount").asText() + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.SYNC);
            return Json.object().put("charged", request.params().path("amount").asInt())
                    .put("line", Files.readAllLines(counter).size());
        });
        Worker.Builder worker = Worker.builder(transport).id("idem-worker").requests("idem-requests")
                .allowReplyTo("idem-replies").collector(charge).visibility(Duration.ofSeconds(2)).pollWait(Duration.ofSeconds(1));
        if (outbox) {
            worker.resultOutbox(db.resolveSibling("outbox"));
        } else {
            worker.idempotency(store);
        }
        worker.build().start();
        System.out.println("started");
        System.out.flush();
        Thread.currentThread().join(); // until killed
    }

    /** Publishing a response hangs for ever after saying so in the marker file. */
    private static final class StallingReplies implements Transport {
        private final Transport delegate;
        private final Path marker;

        StallingReplies(Transport delegate, Path marker) {
            this.delegate = delegate;
            this.marker = marker;
        }

        @Override
        public CompletableFuture<Void> send(String destination, Message message) {
            if (destination.equals("idem-replies")) {
                try {
                    Files.writeString(marker, "recorded, not published\n");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return new CompletableFuture<>();
            }
            return delegate.send(destination, message);
        }

        @Override
        public List<Delivery> receive(String source, int maxMessages, Duration wait) throws InterruptedException {
            return delegate.receive(source, maxMessages, wait);
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
