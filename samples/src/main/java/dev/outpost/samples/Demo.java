package dev.outpost.samples;

import dev.outpost.core.Client;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.Worker;
import dev.outpost.core.WorkerStatus;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.Json;
import dev.outpost.spi.Message;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The README's first command: a worker and a client on the in-memory transport, a few requests,
 * a malformed message landing in dead-letter, and the worker's status. Needs nothing installed.
 */
public final class Demo {
    private Demo() {}

    public static void main(String[] args) throws Exception {
        try (InMemoryTransport transport = InMemoryTransport.create();
                Worker worker = Worker.builder(transport)
                        .id("demo-worker")
                        .collector(new DiskUsage())
                        .concurrency(4)
                        .build()
                        .start();
                Client client = Client.builder(transport).build()) {

            say("1. A request to the disk.usage collector");
            Response disk = client.call(Request.builder("disk.usage").param("path", ".").build(), Duration.ofSeconds(5)).get();
            print(disk);

            say("2. Three requests at once (ping, the help listing, a path that does not exist)");
            List<CompletableFuture<Response>> calls = List.of(
                    client.call(Request.builder("outpost.ping").param("hello", "outpost").build(), Duration.ofSeconds(5)),
                    client.call(Request.builder("outpost.collectors").build(), Duration.ofSeconds(5)),
                    client.call(Request.builder("disk.usage").param("path", "/no/such/place").build(), Duration.ofSeconds(5)));
            for (CompletableFuture<Response> call : calls) {
                print(call.get());
            }

            say("3. Bad input: a request for an unknown collector, params that break the schema, and bytes that are not JSON");
            print(client.call(Request.builder("rm.everything").build(), Duration.ofSeconds(5)).get());
            print(client.call(Request.builder("disk.usage").param("path", 42).build(), Duration.ofSeconds(5)).get());
            transport.send("requests", Message.of("}{ not json".getBytes(StandardCharsets.UTF_8))).join();
            waitFor(() -> transport.peek("dead-letter").size() == 3);
            for (Message m : transport.peek("dead-letter")) {
                System.out.printf("   dead-letter: reason=%-18s detail=%s%n", m.attributes().get("outpost-reject-reason"),
                        m.attributes().get("outpost-reject-detail"));
            }

            say("4. The worker's status snapshot (what outpost.status returns)");
            WorkerStatus status = worker.status();
            System.out.println(Json.toTree(status).toPrettyString());
            System.out.println();
            System.out.println("Done. Next: README.md's quickstart embeds a worker in your own application.");
        }
    }

    private static void say(String line) {
        System.out.println();
        System.out.println(line);
    }

    private static void print(Response r) throws Exception {
        String body = r.isOk() ? r.result().orElseThrow().toString()
                : r.error().map(e -> e.code() + ": " + e.message()).orElse("");
        System.out.printf("   %-18s %-8s %s%n", r.collector(), r.status().code(), body.length() > 160 ? body.substring(0, 160) + "…" : body);
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }
}
