package dev.outpost.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.CollectorException;
import dev.outpost.core.Worker;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.spi.Collector;
import dev.outpost.sqs.SqsProvisioner;
import dev.outpost.sqs.SqsTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sns.SnsAsyncClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * 20 workers on SQS queues fed by one SNS topic (fauxqs): one publish per fleet call, every host
 * accounted once, and silent hosts cost one long poll up to the deadline, not a poll per second.
 * The receives per reply (goal: at most 0.15 when every host answers) are printed, not asserted:
 * how many receives the answers take depends on how they spread in time, which a loaded machine
 * changes; the empty receives, which the design bounds, are asserted.
 */
class FleetOnSqsTest {
    @Test
    void twentyWorkersOverSnsAndSqs() throws Exception {
        try (SnsEmulator aws = SnsEmulator.start()) {
            SnsEmulator.Calls callerCalls = new SnsEmulator.Calls();
            SnsEmulator.Calls workerCalls = new SnsEmulator.Calls();
            SqsAsyncClient callerSqs = aws.sqs(callerCalls);
            SnsAsyncClient callerSns = aws.sns(callerCalls);
            SqsAsyncClient workerSqs = aws.sqs(workerCalls);
            SnsAsyncClient workerSns = aws.sns(workerCalls);
            SqsProvisioner p = new SqsProvisioner(workerSqs, workerSns);
            String arn = null;
            for (int i = 1; i <= 20; i++) {
                arn = p.topicToQueue("fleet", String.format("requests-s%02d", i));
            }
            p.queue("dead-letter", Map.of());
            p.queue("outpost-client-fleet", Map.of());
            InMemoryRegistry registry = InMemoryRegistry.create();
            CountDownLatch release = new CountDownLatch(1);
            List<Worker> workers = new ArrayList<>();
            List<FleetMember> members = new ArrayList<>();
            List<SqsTransport> transports = new ArrayList<>();
            try {
                for (int i = 1; i <= 20; i++) {
                    String id = String.format("s%02d", i);
                    int n = i;
                    Collector work = Collector.of("app.work", (r, c) -> {
                        if (n <= 2) {
                            throw CollectorException.permanent("broken", id + " is broken");
                        }
                        if (n == 3) {
                            release.await();
                        }
                        return Map.of("host", id);
                    });
                    SqsTransport t = SqsTransport.builder().sqsClient(workerSqs).snsClient(workerSns).topic("fleet", arn).build();
                    transports.add(t);
                    FleetMember m = FleetMember.builder(registry).id(id).requests("requests-" + id).collectors(List.of(work)).build();
                    Worker w = Worker.builder(t).id(id).requests("requests-" + id).collector(work).allowReplyTo("outpost-client-*")
                            .filter(m.filter()).pollWait(Duration.ofSeconds(1)).drainTimeout(Duration.ofSeconds(1)).build();
                    members.add(m.start());
                    workers.add(w);
                    if (n != 4) {
                        w.start(); // s04 is registered but its worker is down: no reply
                    }
                }
                SqsTransport callerTransport = SqsTransport.builder().sqsClient(callerSqs).snsClient(callerSns).topic("fleet", arn).build();
                transports.add(callerTransport);
                try (Fleet fleet = Fleet.builder(callerTransport).registry(registry).replyTo("outpost-client-fleet")
                        .pollWait(Duration.ofSeconds(1)).build().start()) {
                    long publishes0 = callerCalls.get("Publish") + callerCalls.get("PublishBatch");
                    long receives0 = callerCalls.get("ReceiveMessage");
                    long empty0 = callerCalls.get(SnsEmulator.Calls.EMPTY_RECEIVES);
                    FleetCall call = fleet.call(FleetRequest.builder("app.work").route(Route.TOPIC).deadline(Duration.ofSeconds(8)).build());
                    FleetSummary s = call.summary().join();
                    assertThat(s.results()).hasSize(20);
                    assertThat(s.hosts(Outcome.ERROR)).containsExactly("s01", "s02");
                    assertThat(s.hosts(Outcome.NO_REPLY)).containsExactly("s03", "s04");
                    assertThat(s.hosts(Outcome.OK)).hasSize(16);
                    assertThat(s.unexpected() + s.duplicates()).isZero();
                    System.out.println("caller calls: " + callerCalls.byOperation);
                    long publishes = callerCalls.get("Publish") + callerCalls.get("PublishBatch") - publishes0;
                    long receives = callerCalls.get("ReceiveMessage") - receives0;
                    assertThat(publishes).as("one publish for the whole fleet").isEqualTo(1);
                    System.out.printf("fleet call over SNS+SQS, 20 hosts, 18 replies: caller %d publish, %d receives (%.2f per reply);"
                            + " workers %s%n", publishes, receives, receives / 18.0, workerCalls.byOperation);
                    // the 8 s wait for the 2 silent hosts is one long poll up to the deadline, not one 1 s poll after
                    // another (that was 10 receives, 0.56 per reply, most of them empty); how many receives the 18
                    // answers take depends on how they spread in time, so only the empty ones are held to a number
                    assertThat(callerCalls.get(SnsEmulator.Calls.EMPTY_RECEIVES) - empty0)
                            .as("empty receives while 2 silent hosts run out an 8 s deadline, 1 s poll wait").isLessThanOrEqualTo(2);
                    assertThat(receives).as("receives for 18 replies: never more than one per reply, and the long poll")
                            .isLessThanOrEqualTo(18 + 2);
                    // a targeted call over the topic: the others refuse it, nothing unexpected arrives
                    long r0 = callerCalls.get("ReceiveMessage");
                    long e0 = callerCalls.get(SnsEmulator.Calls.EMPTY_RECEIVES);
                    long w0 = workerCalls.byOperation.values().stream().mapToLong(java.util.concurrent.atomic.AtomicLong::get).sum();
                    long t0 = System.nanoTime();
                    FleetSummary targeted = fleet.call(FleetRequest.builder("app.work").route(Route.TOPIC)
                            .target(Selector.parse("id:s1*")).deadline(Duration.ofSeconds(5)).build()).summary().join();
                    assertThat(targeted.results().keySet()).containsExactly("s10", "s11", "s12", "s13", "s14", "s15", "s16", "s17",
                            "s18", "s19");
                    assertThat(targeted.allOk()).isTrue();
                    assertThat(targeted.unexpected()).isZero();
                    long w1 = workerCalls.byOperation.values().stream().mapToLong(java.util.concurrent.atomic.AtomicLong::get).sum();
                    long targetedReceives = callerCalls.get("ReceiveMessage") - r0;
                    System.out.printf("targeted call, 10 of 20 hosts answering: caller %d receives (%.2f per reply) in %d ms;"
                            + " all 20 workers together %d API calls meanwhile (idle 1 s polls included)%n",
                            callerCalls.get("ReceiveMessage") - r0, (callerCalls.get("ReceiveMessage") - r0) / 10.0,
                            (System.nanoTime() - t0) / 1_000_000, w1 - w0);
                    // every host answers: nothing waits out the deadline. The goal of at most 0.15 receives per reply
                    // (one receive for the 10 here, on a quiet machine) is a figure printed above, not held here: on a
                    // loaded machine the answers spread over more receives
                    assertThat(callerCalls.get(SnsEmulator.Calls.EMPTY_RECEIVES) - e0).as("empty receives when every host answers")
                            .isLessThanOrEqualTo(1);
                    assertThat(targetedReceives).as("receives for 10 replies").isLessThanOrEqualTo(10);
                }
            } finally {
                release.countDown();
                workers.forEach(w -> w.shutdown().join());
                members.forEach(FleetMember::close);
                transports.forEach(SqsTransport::close);
            }
        }
    }
}
