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
}
