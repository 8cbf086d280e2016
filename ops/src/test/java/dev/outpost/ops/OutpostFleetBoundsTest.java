package dev.outpost.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.core.Worker;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.fleet.Fleet;
import dev.outpost.fleet.FleetMember;
import dev.outpost.inmemory.InMemoryTransport;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** OutpostFleet is called by user code with any timeout a Duration holds. */
class OutpostFleetBoundsTest {
    /**
     * Before: the wait for the summary was timeout.toMillis() + 5000, which threw ArithmeticException past 292 million
     * years, after the request had been sent: the caller got an exception for a call its hosts ran.
     */
    @Test
    void theLongestTimeoutWaitsForTheAnswers() throws Exception {
        InMemoryRegistry registry = InMemoryRegistry.create();
        try (InMemoryTransport transport = InMemoryTransport.create();
                FleetMember member = FleetMember.builder(registry).id("web-1").requests("requests-web-1")
                        .collectors(List.of(OutpostFleetTest.disk("web-1"))).tags("web").build().start();
                Worker web = Worker.builder(transport).id("web-1").requests("requests-web-1").collector(OutpostFleetTest.disk("web-1"))
                        .filter(member.filter()).build().start();
                Fleet fleet = Fleet.builder(transport).registry(registry).build().start()) {
            List<HostAnswer> answers = new OutpostFleet(fleet).call("web-1", "disk.usage", Map.of("path", "/"),
                    Duration.ofSeconds(Long.MAX_VALUE, 999_999_999));
            assertThat(answers).singleElement().satisfies(a -> assertThat(a.ok()).isTrue());
        }
    }

    /**
     * Before: a host settled cancelled by the caller (the fleet shut down mid-command) carried the fleet's detail to the
     * chat, and when the cancellation could not be recorded that detail is the registry's exception text: table
     * names, account ids, whatever the driver puts in its message.
     */
    @Test
    void aCancellationTheRegistryRefusedDoesNotTellTheChatTheRegistrysError() throws Exception {
        InMemoryRegistry registry = InMemoryRegistry.create();
        String secret = "arn:aws:dynamodb:eu-west-1:123456789012:table/outpost";
        dev.outpost.spi.Registry refusing = new dev.outpost.spi.ForwardingRegistry(registry) {
            @Override
            public dev.outpost.spi.RegistryEntry update(String key, com.fasterxml.jackson.databind.JsonNode patch) {
                throw new IllegalStateException("AccessDenied on " + secret);
            }

            @Override
            public dev.outpost.spi.RegistryEntry register(String key, com.fasterxml.jackson.databind.JsonNode value,
                    java.util.Optional<Duration> ttl) {
                if (key.startsWith("fleet/cancelled/")) {
                    throw new IllegalStateException("AccessDenied on " + secret);
                }
                return super.register(key, value, ttl);
            }
        };
        java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        dev.outpost.spi.Collector stuck = dev.outpost.spi.Collector.of("disk.usage", (r, c) -> {
            running.countDown();
            release.await();
            return Map.of();
        });
        try (InMemoryTransport transport = InMemoryTransport.create();
                FleetMember member = FleetMember.builder(registry).id("web-1").requests("requests-web-1")
                        .collectors(List.of(stuck)).build().start();
                Worker web = Worker.builder(transport).id("web-1").requests("requests-web-1").collector(stuck)
                        .filter(member.filter()).drainTimeout(Duration.ofMillis(100)).build().start()) {
            Fleet fleet = Fleet.builder(transport).registry(refusing).build().start();
            java.util.concurrent.CompletableFuture<List<HostAnswer>> answers = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> new OutpostFleet(fleet).call("web-1", "disk.usage", Map.of(), Duration.ofSeconds(60)));
            assertThat(running.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            fleet.shutdown().get(20, java.util.concurrent.TimeUnit.SECONDS);
            HostAnswer a = answers.get(20, java.util.concurrent.TimeUnit.SECONDS).get(0);
            release.countDown();
            assertThat(a.ok()).isFalse();
            assertThat(a.body().path("error").asText()).isEqualTo("cancelled");
            assertThat(a.body().toString()).doesNotContain("123456789012", "AccessDenied");
        } finally {
            release.countDown();
        }
    }

    /**
     * Before: a host not delivered to was logged with the transport's text as it came, and that text quotes the
     * destination the host's inventory entry names: whoever wrote the entry chose it (U+2028, bidi overrides).
     */
    @Test
    void aNotDeliveredHostIsLoggedOnOnePrintableLine() throws Exception {
        InMemoryRegistry registry = InMemoryRegistry.create();
        registry.register("fleet/hosts/web-1", dev.outpost.Json.parse("{\"v\":1,\"id\":\"web-1\",\"requests\":"
                + "\"req\\u2028ERROR admin logged in\\u202E\",\"collectors\":[],\"tags\":[],\"facts\":{},"
                + "\"startedAt\":\"2026-12-04T12:00:00Z\"}"), java.util.Optional.empty());
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(OutpostFleet.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged = new ch.qos.logback.core.read.ListAppender<>();
        logged.start();
        log.addAppender(logged);
        try (InMemoryTransport inner = InMemoryTransport.create();
                dev.outpost.spi.Transport transport = new dev.outpost.spi.ForwardingTransport(inner) {
                    @Override
                    public java.util.concurrent.CompletableFuture<Void> send(String destination, dev.outpost.spi.Message m) {
                        return destination.startsWith("req") ? java.util.concurrent.CompletableFuture.failedFuture(
                                new dev.outpost.spi.TransportException(destination, "no queue named '" + destination + "'"))
                                : super.send(destination, m);
                    }
                };
                // allowed, so that the send is tried and the transport's refusal, which quotes it, reaches the log
                Fleet fleet = Fleet.builder(transport).registry(registry).allowDestinations("req*").build().start()) {
            List<HostAnswer> answers = new OutpostFleet(fleet).call("web-1", "disk.usage", Map.of(), Duration.ofSeconds(5));
            assertThat(answers).singleElement().satisfies(a -> assertThat(a.body().path("error").asText()).isEqualTo("not-delivered"));
        } finally {
            log.detachAppender(logged);
        }
        assertThat(logged.list).filteredOn(e -> e.getFormattedMessage().contains("not delivered")).singleElement()
                .satisfies(e -> assertThat(e.getFormattedMessage()).contains("req?ERROR admin logged in?").doesNotContain("\u2028", "\u202E"));
    }
}
