package dev.outpost.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.inmemory.InMemoryTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Clients reading one reply destination together, as several runs of the command line at once do. */
class ClientSharedReplyToTest {
    private static final String SHARED = "outpost-client-shared";

    @Test
    void aTimeoutSaysThatAnotherClientOnTheReplyDestinationMayHaveTakenTheAnswer() {
        CallTimeoutException e = new CallTimeoutException("r-1", "echo", Duration.ofSeconds(5), "requests", SHARED);
        assertThat(e.getMessage()).contains("Another client reading '" + SHARED + "'")
                .contains("outpost.client.shared-reply-to");
    }

    @Test
    void twoClientsOnOneReplyDestinationEachGetTheAnswersToTheirOwnCallsAndSends() throws Exception {
        try (InMemoryTransport transport = InMemoryTransport.create();
                Worker w = Worker.builder(transport).collector(Collectors.of("echo", (r, c) -> r.params().path("n").asInt()))
                        .pollWait(Duration.ofMillis(50)).build().start();
                Client a = Client.builder(transport).replyTo(SHARED).sharedReplyTo(true).pollWait(Duration.ofMillis(50))
                        .build().start();
                Client b = Client.builder(transport).replyTo(SHARED).pollWait(Duration.ofMillis(50))
                        .configure(OutpostConfig.builder().set("outpost.client.shared-reply-to", "true").build())
                        .build().start()) {
            List<Response> heardByA = new CopyOnWriteArrayList<>();
            List<Response> heardByB = new CopyOnWriteArrayList<>();
            a.onResponse(heardByA::add);
            b.onResponse(heardByB::add);
            List<CompletableFuture<Response>> callsA = new ArrayList<>();
            List<CompletableFuture<Response>> callsB = new ArrayList<>();
            for (int n = 0; n < 20; n++) {
                callsA.add(a.call(Request.builder("echo").param("n", n).build(), Duration.ofSeconds(20)));
                callsB.add(b.call(Request.builder("echo").param("n", 100 + n).build(), Duration.ofSeconds(20)));
            }
            Request sentByB = Request.builder("echo").param("n", 999).build();
            b.send(sentByB).join();
            for (int n = 0; n < 20; n++) {
                // before: each client took whatever answer it received, and about half the calls timed out
                assertThat(callsA.get(n).get(30, TimeUnit.SECONDS).result().orElseThrow().asInt()).isEqualTo(n);
                assertThat(callsB.get(n).get(30, TimeUnit.SECONDS).result().orElseThrow().asInt()).isEqualTo(100 + n);
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !heardByB.isEmpty());
            assertThat(heardByB).extracting(Response::requestId).containsExactly(sentByB.id());
            assertThat(heardByA).as("another client's answers never reach this one's listeners").isEmpty();
            assertThat(a.handedBackResponses() + b.handedBackResponses()).isPositive();
        }
    }

    @Test
    void aClientSharingTheDestinationWithAnIdleOneGetsItsAnswersWithoutMovingThemAround() throws Exception {
        try (InMemoryTransport transport = InMemoryTransport.create();
                Worker w = Worker.builder(transport).collector(Collectors.of("echo", (r, c) -> r.params().path("n").asInt()))
                        .build().start();
                Client idle = Client.builder(transport).replyTo(SHARED).sharedReplyTo(true).build().start();
                Client busy = Client.builder(transport).replyTo(SHARED).sharedReplyTo(true).build().start()) {
            int calls = 100;
            for (int n = 0; n < calls; n++) {
                assertThat(busy.call(Request.builder("echo").param("n", n).build(), Duration.ofSeconds(20))
                        .get(30, TimeUnit.SECONDS).result().orElseThrow().asInt()).isEqualTo(n);
            }
            // before: the idle client took each answer back ten times from its own hand-back, then a 50 ms delay
            // parted them (100 calls took 5 s); an answer it hands back goes to a client waiting for one now
            assertThat(idle.handedBackResponses() + busy.handedBackResponses()).isLessThan(4L * calls);
        }
    }
}
