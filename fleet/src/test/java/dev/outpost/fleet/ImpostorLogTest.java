package dev.outpost.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.outpost.Json;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.fleet.TestHosts.Behaviour;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Decoded;
import dev.outpost.spi.Message;
import dev.outpost.spi.Sender;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The one WARN line a call logs for its impostors quotes names a known sender chose. */
class ImpostorLogTest {
    final TestHosts hosts = new TestHosts();

    @AfterEach
    void close() {
        hosts.close();
    }

    /**
     * Before: the line blanked ISO control characters only; a worker name holds anything else (the codec refuses only
     * those), so U+2028 broke the line where log viewers read a new entry, and U+202E reversed what followed.
     */
    @Test
    void aClaimedHostNameWithALineSeparatorOrABidiOverrideIsLoggedOnOnePrintableLine() {
        hosts.add("a", Behaviour.SLOW);
        hosts.start("a");
        JsonCodec json = JsonCodec.create();
        Codec signedByB = new Codec() { // as if a sealing codec had authenticated every answer as host b's key
            @Override
            public byte[] encodeRequest(dev.outpost.Request request) {
                return json.encodeRequest(request);
            }

            @Override
            public Decoded<dev.outpost.Request> decodeRequest(byte[] body) {
                return json.decodeRequest(body);
            }

            @Override
            public byte[] encodeResponse(Response response, Optional<Sender> recipient) {
                return json.encodeResponse(response, recipient);
            }

            @Override
            public Decoded<Response> decodeResponse(byte[] body) {
                return new Decoded<>(json.decodeResponse(body).document(), Optional.of(Sender.of("key-b", "b")));
            }
        };
        Fleet fleet = hosts.fleet().codec(signedByB).build().start();
        hosts.closeables.add(fleet);
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("dev.outpost.fleet.Fleet");
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        log.addAppender(logged);
        try {
            FleetCall call = fleet.call(FleetRequest.builder("app.work").route(Route.DIRECT).deadline(Duration.ofSeconds(5)).build());
            Response r = new Response(1, call.id(), "app.work", Optional.empty(), ResponseStatus.OK, Optional.of(Json.object()),
                    Optional.empty(), "a\u2028WARN admin logged in \u202Egnp.exe\u200B", 1, Instant.EPOCH, Instant.EPOCH);
            hosts.transport.send(fleet.replyTo(), Message.of(json.encodeResponse(r, Optional.empty()))).join();
            await().until(() -> fleet.stats().impostors() == 1);
            hosts.time.advance(Duration.ofSeconds(6));
            call.summary().join();
        } finally {
            log.detachAppender(logged);
        }
        List<String> warnings = logged.list.stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains("refused")).toList();
        assertThat(warnings).singleElement().satisfies(m -> assertThat(m).contains("a?WARN admin logged in ?gnp.exe? <- b")
                .doesNotContain("\u2028", "\u202E", "\u200B"));
    }
}
