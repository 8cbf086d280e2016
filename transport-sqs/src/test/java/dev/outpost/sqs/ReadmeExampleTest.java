package dev.outpost.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.core.Client;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.Worker;
import dev.outpost.spi.Collector;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/** The README's worker-and-client example: the same code, run against ElasticMQ. */
class ReadmeExampleTest {

    static void workerAndClient(SqsAsyncClient sqs, String clientName) throws Exception {
        // README:begin
        // 1. Queues: requests with a dead-letter queue, and a reply queue for this client.
        //    SqsProvisioner is the quick path; in production declare the same in your infrastructure code.
        SqsProvisioner provisioner = new SqsProvisioner(sqs);
        provisioner.queueWithDeadLetter("outpost-requests", Duration.ofSeconds(30), 5); // + outpost-requests-dead-letter
        String replyQueue = provisioner.queue("outpost-replies-" + clientName, Map.of()); // its URL

        // 2. The worker: logical names ("requests", "dead-letter") mapped to real queues.
        SqsTransport workerSide = SqsTransport.builder().sqsClient(sqs)
                .queue("requests", "outpost-requests")
                .queue("dead-letter", "outpost-requests-dead-letter")
                .build(); // looks nothing up: a missing queue fails the first receive or send, naming it
        // The worker sends answers with its own credentials: only to this account's outpost-replies-* queues.
        String replies = replyQueue.substring(0, replyQueue.lastIndexOf('/') + 1) + "outpost-replies-*";
        Worker worker = Worker.builder(workerSide).allowReplyTo(replies)
                .collector(Collector.of("greet", (request, context) -> "hello, " + request.params().path("name").asText()))
                .build().start();

        // 3. The client: sends to "requests", reads its answers from its reply queue. The reply address travels
        //    in each request and the worker sends to it: a queue URL, not a logical name only this client maps.
        SqsTransport clientSide = SqsTransport.builder().sqsClient(sqs)
                .queue("requests", "outpost-requests")
                .build();
        try (Client client = Client.builder(clientSide).replyTo(replyQueue).build().start()) {
            Response response = client.call(Request.builder("greet").param("name", "Ada").build(), Duration.ofSeconds(30))
                    .get(60, TimeUnit.SECONDS);
            System.out.println(response.result().orElseThrow().asText()); // hello, Ada
        } finally {
            worker.close();
            workerSide.close(); // waits for the poll the worker gave up to end: up to 20 s (see below)
            clientSide.close();
        }
        // README:end
    }

    @Test
    void runsAndPrintsTheAnswer() throws Exception {
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        // the client closed before the server: ElasticMQ's stop waits for open connections
        try (ElasticMq mq = ElasticMq.start(); SqsAsyncClient sqs = mq.client()) {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            workerAndClient(sqs, "readme");
            // Closing the worker and the client cancels their 20 s long polls in the SDK, but the server
            // keeps waiting on them and will not stop until they end: a message on each queue ends them.
            for (String queue : new String[] {"outpost-requests", "outpost-replies-readme"}) {
                String url = sqs.getQueueUrl(r -> r.queueName(queue)).join().queueUrl();
                sqs.sendMessage(r -> r.queueUrl(url).messageBody("end the long poll")).join();
            }
        } finally {
            System.setOut(stdout);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8)).contains("hello, Ada");
    }

    /** The throughput section's two lines, compiled here ({@code workerSide} as in the example). */
    static List<Worker.Builder> throughput(SqsTransport workerSide) {
        Worker.Builder scarce = Worker.builder(workerSide).concurrency(8).prefetch(72); // 8 run, up to 80 held, 8 pollers
        Worker.Builder strict = Worker.builder(workerSide).prefetch(0); // holds only what runs, one poller per 10 slots
        return List.of(scarce, strict);
    }

    @Test
    void theThroughputLinesBuildAndTheReadmeShowsThem() throws IOException {
        try (SqsAsyncClient sqs = SqsAsyncClient.builder().region(software.amazon.awssdk.regions.Region.US_EAST_1)
                        .endpointOverride(java.net.URI.create("http://127.0.0.1:9")).build();
                SqsTransport t = SqsTransport.builder().sqsClient(sqs).build()) {
            throughput(t).forEach(Worker.Builder::build); // built, not started: nothing is called
        }
        String source = Files.readString(Path.of("src/test/java/dev/outpost/sqs/ReadmeExampleTest.java"));
        String readme = Files.readString(Path.of("README.md"));
        List<String> lines = source.lines().map(String::strip).filter(l -> l.startsWith("Worker.Builder ")).toList();
        assertThat(lines).hasSize(2).allSatisfy(l -> assertThat(readme).contains(l));
    }

    @Test
    void theReadmeShowsThisCode() throws IOException {
        String source = Files.readString(Path.of("src/test/java/dev/outpost/sqs/ReadmeExampleTest.java"));
        String block = source.substring(source.indexOf("// README:begin\n") + "// README:begin\n".length(),
                source.indexOf("        // README:end"));
        String dedented = block.lines().map(l -> l.length() >= 8 ? l.substring(8) : l.strip()).collect(Collectors.joining("\n"));
        String readme = Files.readString(Path.of("README.md"));
        assertThat(readme).contains(dedented);
        // before: the text named only `SqsAsyncClient sqs`, and the pasted code did not compile for want of clientName
        String before = readme.substring(0, readme.indexOf(dedented));
        String intro = before.substring(before.lastIndexOf("## A worker and a client over SQS"));
        assertThat(intro).as("the text before the example names what it uses and does not declare")
                .contains("`SqsAsyncClient sqs`").contains("`String clientName`");
    }
}
