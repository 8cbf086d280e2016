package dev.outpost.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.core.lifecycle.Guard;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReplyRouterTest {
    private final InMemoryTransport transport = InMemoryTransport.builder().build();
    private final JsonCodec codec = JsonCodec.create();
    private final List<Response> heard = new CopyOnWriteArrayList<>();
    private final ReplyRouter router = new ReplyRouter(transport, codec, "replies", Runnable::run, new Guard("client"),
            List.of(d -> heard.add(d.document())), 0);

    @AfterEach
    void close() {
        transport.close();
    }

    private Delivery answer(Request request, String worker) throws Exception {
        Response r = Response.ok(request, JsonNodeFactory.instance.objectNode(), worker, 1, Instant.EPOCH, Instant.EPOCH);
        transport.send("replies", Message.of(codec.encodeResponse(r, Optional.empty()), java.util.Map.of())).join();
        return transport.receive("replies", 1, Duration.ofSeconds(5)).get(0);
    }

    @Test
    void anAnswerToACallCancelledAfterThePollerLookedItUpReachesTheListeners() throws Exception {
        Request request = Request.builder("echo").build();
        // the caller's cancel landed between the poller's lookup and its completion (its onDone has not removed it yet)
        CallbackFuture<Response> call = new CallbackFuture<>(Runnable::run);
        router.calls().put(request.id(), call);
        call.cancel(true);
        router.handle(answer(request, "w1"));
        router.endOfBatch();
        // before: completing the cancelled future did nothing and the answer reached no one
        assertThat(heard).extracting(Response::worker).containsExactly("w1");
    }

    @Test
    void anAnswerToABroadcastCancelledAfterThePollerLookedItUpReachesTheListeners() throws Exception {
        Request request = Request.builder("echo").build();
        Gathering g = new Gathering(3, new CallbackFuture<>(Runnable::run));
        router.broadcasts().put(request.id(), g);
        g.future().cancel(true);
        router.handle(answer(request, "w1"));
        router.endOfBatch();
        // before: the answer was gathered into the cancelled broadcast and reached no one
        assertThat(heard).extracting(Response::worker).containsExactly("w1");
    }
    @Test
    void anUndecodableAnswerCannotForgeOrDriveTheClientsLogLine() throws Exception {
        // the schema's messages quote the offending value: a hostile worker's status or timestamp went into the WARN
        // line verbatim, so a newline forged a log line, ESC drove the terminal the CLI logs to, and its length was
        // the worker's choice (strings up to Jackson's 20 MB)
        String hostile = "\\u001b]0;pwned\\u0007\\u001b[2J\\n2026-01-01 WARN forged line" + "x".repeat(100_000);
        String body = "{\"v\":1,\"requestId\":\"r1\",\"collector\":\"c\",\"status\":\"" + hostile
                + "\",\"result\":{},\"worker\":\"w\",\"attempt\":1,\"startedAt\":\"" + hostile
                + "\",\"finishedAt\":\"2026-01-01T00:00:00Z\"}";
        ch.qos.logback.classic.Logger clientLog =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("dev.outpost.core.Client");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
                new ch.qos.logback.core.read.ListAppender<>();
        logged.start();
        clientLog.addAppender(logged);
        try {
            transport.send("replies", Message.of(body.getBytes(java.nio.charset.StandardCharsets.UTF_8), java.util.Map.of()))
                    .join();
            router.handle(transport.receive("replies", 1, Duration.ofSeconds(5)).get(0));
            router.endOfBatch();
        } finally {
            clientLog.detachAppender(logged);
        }
        assertThat(router.undecodable()).isEqualTo(1);
        assertThat(logged.list).singleElement().satisfies(e -> {
            String line = e.getFormattedMessage();
            assertThat(line).contains("dropped an undecodable response").doesNotContain("\u001b", "\u0007", "\n");
            assertThat(line.length()).isLessThan(3_000);
        });
    }
}
