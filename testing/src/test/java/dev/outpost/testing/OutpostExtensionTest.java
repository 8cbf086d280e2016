package dev.outpost.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.core.Client;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.Worker;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.Json;
import dev.outpost.spi.Collector;
import dev.outpost.spi.CollectorContext;
import dev.outpost.spi.Message;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class OutpostExtensionTest {
    static final Collector SHOUT = new Collector() {
        @Override
        public String name() {
            return "shout";
        }

        @Override
        public com.fasterxml.jackson.databind.JsonNode paramsSchema() {
            return Json.parse("{\"type\":\"object\",\"required\":[\"text\"],\"properties\":{\"text\":{\"type\":\"string\"}}}");
        }

        @Override
        public Object collect(Request request, CollectorContext context) {
            return request.params().get("text").asText().toUpperCase(java.util.Locale.ROOT);
        }
    };

    @RegisterExtension
    final OutpostExtension outpost = OutpostExtension.builder().collector(SHOUT).worker(w -> w.concurrency(2)).build();

    @Test
    void callsTheWorker() {
        Response r = outpost.call(Request.builder("shout").param("text", "hi").build());
        assertThat(r.result().orElseThrow().asText()).isEqualTo("HI");
        assertThat(outpost.worker().status().concurrency()).isEqualTo(2);
    }

    @Test
    void exposesDeadLetters(InMemoryTransport transport, Worker worker, Client client) {
        transport.send("requests", Message.of(new byte[] {1, 2, 3})).join();
        List<Message> dead = outpost.awaitDeadLetters(1);
        assertThat(dead.get(0).attributes()).containsEntry("outpost-reject-reason", "undecodable");
        assertThat(worker).isSameAs(outpost.worker());
        assertThat(client).isSameAs(outpost.client());
    }

    @Test
    void awaitsResponsesToFireAndForgetRequests() {
        for (String word : List.of("a", "b", "c")) {
            outpost.client().send(Request.builder("shout").param("text", word).build()).join();
        }
        List<Response> got = outpost.awaitResponses(3);
        assertThat(got).extracting(r -> r.result().orElseThrow().asText()).containsExactlyInAnyOrder("A", "B", "C");
    }

    @Test
    void eachTestGetsAFreshTransport() {
        assertThat(outpost.deadLetters()).isEmpty();
    }
}
